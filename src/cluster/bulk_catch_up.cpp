#include "cluster/bulk_catch_up.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "db/sqlite.hpp"
#include "events/hash_chain.hpp"
#include "events/store/postgres_log.hpp"
#include "projections/catalog_projection.hpp"
#include "projections/replay.hpp"

namespace catalog::cluster {

namespace {

using events::RecordedEvent;
using projections::DecodedEvent;

constexpr int64_t page_size = 10000;

struct Chunk {
  std::vector<RecordedEvent> events;
  std::vector<DecodedEvent> decoded;
};

// A bounded hand-over between two threads; `close` ends it, an error travels with it.
template <class T>
class Pipe {
 public:
  void put(T item) {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return items_.size() < 2 || closed_; });
    items_.push_back(std::move(item));
    ready_.notify_all();
  }
  // False once closed and empty.
  bool take(T& item) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) {
      if (error_) std::rethrow_exception(error_);
      return false;
    }
    item = std::move(items_.front());
    items_.pop_front();
    room_.notify_all();
    return true;
  }
  void close(std::exception_ptr error = nullptr) {
    std::lock_guard lock(mutex_);
    closed_ = true;
    if (error) error_ = error;
    ready_.notify_all();
    room_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::deque<T> items_;
  bool closed_ = false;
  std::exception_ptr error_;
};

}  // namespace

BulkCopy bulk_catch_up(const std::string& postgres_url, const std::string& read_model_path,
                       int64_t threshold, const std::function<void(int64_t, int64_t)>& progress) {
  BulkCopy result;
  auto started = std::chrono::steady_clock::now();
  db::Connection local(read_model_path, db::OpenMode::read_write);
  db::configure(local, false);
  events::Head mine = events::EventStore(local).head();
  events::store::PostgresLog shared(postgres_url, false);
  shared.connect();
  events::Head theirs = shared.head();
  if (progress) progress(mine.position, theirs.position);
  // The indexes are built again over the whole file: worth it only for at least as many
  // new events as the file holds.
  if (theirs.position - mine.position < std::max(threshold, mine.position)) return result;
  if (mine.position > 0) {
    auto at = shared.read_after(mine.position - 1, 1);
    if (at.empty() || at[0].hash != mine.hash) return result;  // another history: the tail says so
  }
  spdlog::info("cluster: {} events behind the log: copying them in one pass",
               theirs.position - mine.position);

  // Reader: pages in order, each event checked against the chain before it goes on.
  Pipe<std::vector<RecordedEvent>> read;
  Pipe<Chunk> decoded;
  std::thread reader([&] {
    try {
      events::Head head = mine;
      for (;;) {
        auto page = events::store::read_events_after(shared.connection(), head.position, page_size);
        for (const auto& e : page) {
          if (e.position > theirs.position) break;
          if (e.position != head.position + 1 || events::chain_hash(head.hash, e) != e.hash)
            throw std::runtime_error("event " + std::to_string(e.position) +
                                     " of the shared log does not continue the chain");
          head = events::Head{e.position, e.hash};
        }
        while (!page.empty() && page.back().position > theirs.position)
          page.pop_back();
        bool last = page.empty() || page.back().position >= theirs.position;
        if (!page.empty()) read.put(std::move(page));
        if (last) break;
      }
      read.close();
    } catch (...) {
      read.close(std::current_exception());
    }
  });
  // Decoder: JSON and case folding, off the writing thread.
  std::thread decoder([&] {
    try {
      std::vector<RecordedEvent> page;
      while (read.take(page)) {
        Chunk c;
        c.decoded.reserve(page.size());
        for (const auto& e : page)
          c.decoded.push_back(projections::CatalogProjection::decode(e));
        c.events = std::move(page);
        decoded.put(std::move(c));
      }
      decoded.close();
    } catch (...) {
      decoded.close(std::current_exception());
    }
  });

  bool fold = mine.position == 0;
  std::optional<CaughtUp> folded;
  if (fold) folded.emplace();
  try {
    // A rollback journal, not the WAL, for the one long transaction: it keeps only the pages
    // the file held before (none on a new node), where the WAL would take every page written
    // and the checkpoint would then copy each one again. Nothing else has the file open yet.
    local.exec("PRAGMA journal_mode=DELETE");
    local.exec("PRAGMA cache_size=-262144");
    db::Transaction txn(local);
    // The chain is checked above, so the gap trigger of the copy of the log is not needed
    // row by row; the indexes are built at the end from sorted data.
    auto rebuild = projections::drop_read_model_indexes(local, {"events"});
    projections::CatalogProjection projection(local);
    events::EventStore copy(local);
    Chunk c;
    while (decoded.take(c)) {
      for (size_t i = 0; i < c.events.size(); ++i) {
        const auto& e = c.events[i];
        copy.append(e);
        projection.apply(e, c.decoded[i]);
        if (fold) folded->model.apply(c.decoded[i].event, e.recorded_at);
      }
      result.events += static_cast<int64_t>(c.events.size());
      const auto& last = c.events.back();
      if (fold) {
        folded->head = events::Head{last.position, last.hash};
        folded->last_recorded_at = std::max(folded->last_recorded_at, last.recorded_at);
      }
      projection.set_checkpoint(last.position);
      if (progress) progress(last.position, theirs.position);
    }
    local.exec("PRAGMA cache_size=-4096; PRAGMA threads=4");
    for (const auto& sql : rebuild)
      local.exec(sql);
    txn.commit();
    local.exec("PRAGMA journal_mode=WAL");
  } catch (...) {
    read.close();
    decoded.close();
    reader.join();
    decoder.join();
    throw;
  }
  reader.join();
  decoder.join();
  result.folded = std::move(folded);
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("cluster: copied {} events in {:.1f} s ({:.0f} events/s)", result.events,
               result.seconds, result.seconds > 0 ? result.events / result.seconds : 0.0);
  return result;
}

}  // namespace catalog::cluster
