#include "app/copy_log_command.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/progress.hpp"
#include "db/migrations.hpp"
#include "db/sqlite.hpp"
#include "events/event_store.hpp"
#include "events/hash_chain.hpp"
#include "events/store/postgres_log.hpp"
#include "pg/advisory_locks.hpp"
#include "pg/connection.hpp"

namespace catalog::app {

namespace {

using events::RecordedEvent;
using Visit = std::function<void(const RecordedEvent&)>;

constexpr size_t chunk = 2000;

std::string held(int64_t events) {
  return "the target already holds " + std::to_string(events) +
         (events == 1 ? " event" : " events") + ": copy-log fills only a database without events";
}

// A link that does not hold: the copy stops, and nothing of it stays.
class BrokenLink : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where the events go, in one transaction.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void begin() = 0;
  virtual void write(const std::vector<RecordedEvent>& events) = 0;
  virtual void commit() = 0;
};

class SqliteSink : public Sink {
 public:
  explicit SqliteSink(const std::string& path) : db_(path, db::OpenMode::read_write_create) {
    db::configure(db_, true);
    db::migrate_to_head(db_);
    db::Reset any(db_.cached("SELECT count(*) FROM events"));
    any->step();
    if (any->int64(0) > 0) throw std::runtime_error(held(any->int64(0)));
  }
  void begin() override { txn_.emplace(db_); }
  void write(const std::vector<RecordedEvent>& events) override {
    events::EventStore store(db_);
    for (const auto& e : events)
      store.append(e);
  }
  void commit() override { txn_->commit(); }

 private:
  db::Connection db_;
  std::optional<db::Transaction> txn_;
};

class PostgresSink : public Sink {
 public:
  explicit PostgresSink(const std::string& url)
      : db_(pg::ConnectOptions{url, "catalog-copy-log", true}) {
    db_.exec_script("SET synchronous_commit = on");
    db::migrate_to_head(db_);
    // The copy's own lock, and the writer's: while it fills the log no node may append.
    auto take = [this](pg::AdvisoryLock lock) {
      return db_
          .exec("SELECT pg_try_advisory_lock($1, $2)", {pg::lock_space, static_cast<int>(lock)})
          .boolean(0, 0);
    };
    if (!take(pg::AdvisoryLock::copy_log))
      throw std::runtime_error("another copy-log is filling the target database");
    if (!take(pg::AdvisoryLock::writer))
      throw std::runtime_error(
          "a catalog node is running as the writer on the target database: stop it first");
    auto count = db_.exec("SELECT count(*) FROM events").int64(0, 0);
    if (count > 0) throw std::runtime_error(held(count));
  }
  void begin() override { db_.exec_script("BEGIN"); }
  void write(const std::vector<RecordedEvent>& events) override {
    // The chain trigger checks every row again, in the database.
    db_.exec(
        "INSERT INTO events (position, stream, version, type, data, recorded_at, hash) "
        "SELECT e.position, e.stream, e.version, e.type, e.data, e.recorded_at, e.hash "
        "FROM json_to_recordset($1::json) AS e(position bigint, stream text, version bigint, "
        "type text, data text, recorded_at text, hash text) ORDER BY e.position",
        {events::store::events_json(events)});
  }
  void commit() override { db_.exec_script("COMMIT"); }

 private:
  pg::Connection db_;
};

std::unique_ptr<Sink> open_sink(const std::string& url) {
  if (auto pg_url = postgres_url_from(url, "--to")) return std::make_unique<PostgresSink>(*pg_url);
  return std::make_unique<SqliteSink>(database_path_from_url(url, "--to"));
}

}  // namespace

CLI::App* add_copy_log_command(CLI::App& app, CopyLogOptions& o) {
  auto* copy = app.add_subcommand(
      "copy-log", "copy this configuration's event log into another database without events");
  copy->add_option("--to", o.to, "the target: sqlite:///PATH or postgresql://USER@HOST/DB")
      ->required();
  return copy;
}

int run_copy_log(const CopyLogOptions& o, const Config& config) {
  try {
    // The source, read only.
    std::unique_ptr<db::Connection> file;
    std::unique_ptr<events::store::PostgresLog> shared;
    std::function<void(const Visit&)> each;
    int64_t total = 0;
    if (config.postgres_url) {
      shared = std::make_unique<events::store::PostgresLog>(*config.postgres_url, false);
      shared->connect();
      total = shared->head().position;
      each = [&](const Visit& v) { shared->for_each_after(0, v, total); };
    } else {
      if (!std::filesystem::exists(config.database_path))
        throw std::runtime_error("database " + config.database_path + " does not exist");
      file = std::make_unique<db::Connection>(config.database_path, db::OpenMode::read_only);
      db::wait_when_busy(*file);
      events::EventStore store(*file);
      total = store.head().position;
      each = [&](const Visit& v) { events::EventStore(*file).for_each_after(0, v, total); };
    }
    auto sink = open_sink(o.to);
    Progress progress("copy-log");
    sink->begin();
    std::vector<RecordedEvent> pending;
    std::string previous(events::genesis_hash);
    int64_t expected = 1;
    each([&](const RecordedEvent& e) {
      if (e.position != expected)
        throw BrokenLink("position " + std::to_string(expected) + " is missing from the log");
      if (events::chain_hash(previous, e) != e.hash)
        throw BrokenLink("event " + std::to_string(e.position) +
                         " does not match its hash: its content or an earlier event was changed");
      previous = e.hash;
      ++expected;
      pending.push_back(e);
      if (pending.size() == chunk) {
        sink->write(pending);
        pending.clear();
        progress(expected - 1, total);
      }
    });
    if (!pending.empty()) sink->write(pending);
    sink->commit();
    progress(expected - 1, total);
    std::cout << "copied " << expected - 1 << " events to " << pg::redacted(o.to) << "; head "
              << previous << std::endl;
    return 0;
  } catch (const BrokenLink& e) {
    std::cerr << "catalog copy-log: the source log is broken: " << e.what()
              << "; nothing was copied" << std::endl;
    return 1;
  } catch (const std::exception& e) {
    std::string message = e.what();
    std::replace(message.begin(), message.end(), '\n', ' ');
    std::cerr << "catalog copy-log: " << message << std::endl;
    return 1;
  }
}

}  // namespace catalog::app
