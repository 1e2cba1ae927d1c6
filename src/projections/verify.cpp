#include "projections/verify.hpp"

#include <array>

#include "db/migrations.hpp"
#include "events/event_store.hpp"
#include "events/hash_chain.hpp"
#include "merkle/sqlite_tree.hpp"
#include "projections/catalog_projection.hpp"
#include "projections/replay.hpp"

namespace catalog::projections {

using events::RecordedEvent;

namespace {

// Each read table as (key, canonical text of the row), ordered by key; quote() renders
// every value, NULL included, unambiguously.
struct TableCheck {
  std::string_view table;
  std::string_view stream_prefix;  // whose events shape a row with this key
  std::string_view sql;
};

constexpr std::array<TableCheck, 4> table_checks{{
    {"categories", "category-",
     "SELECT id, quote(name) || ',' || quote(name_folded) || ',' || version FROM categories "
     "ORDER BY id"},
    {"tags", "tag-",
     "SELECT id, quote(name) || ',' || quote(name_folded) || ',' || version FROM tags ORDER BY id"},
    {"products", "product-",
     "SELECT id, quote(name) || ',' || quote(name_folded) || ',' || quote(description) || ',' || "
     "quote(image_url) || ',' || quote(price_shmeckles) || ',' || quote(price_flurbos) || ',' || "
     "quote(category_id) || ',' || version || ',' || quote(created_at) || ',' || "
     "quote(updated_at) FROM products ORDER BY id"},
    {"product_tags", "product-",
     "SELECT product_id, tag_id FROM product_tags ORDER BY product_id, tag_id"},
}};

// The first key at which the two ordered row sets differ, if any.
std::optional<int64_t> first_difference(db::Statement& live, db::Statement& replayed) {
  for (;;) {
    bool a = live.step();
    bool b = replayed.step();
    if (!a && !b) return std::nullopt;
    if (a != b) return a ? live.int64(0) : replayed.int64(0);
    if (live.int64(0) != replayed.int64(0)) return std::min(live.int64(0), replayed.int64(0));
    if (live.text_view(1) != replayed.text_view(1)) return live.int64(0);
  }
}

// Replays events up to `until` into a private temporary database with the read schema.
std::unique_ptr<db::Connection> replay_scratch(events::EventStore& store, int64_t until) {
  // "" is a private on-disk temporary database: a large catalog does not have to fit in
  // memory twice.
  auto scratch = std::make_unique<db::Connection>("", db::OpenMode::read_write_create);
  scratch->exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144");
  db::Migrator(*scratch, db::embedded_migrations())
      .upgrade(db::embedded_migrations().back().revision);
  CatalogProjection projection(*scratch);
  db::Transaction txn(*scratch);
  projection.set_checkpoint(apply_log(store, projection, until));
  txn.commit();
  return scratch;
}

}  // namespace

namespace {

using Visit = std::function<void(const RecordedEvent&)>;
using Source = std::function<void(const Visit&)>;

void fail(VerifyReport& report, int64_t position, std::string problem) {
  if (!report.ok) return;
  report.ok = false;
  report.failed_at = position;
  report.problem = std::move(problem);
}

// Recomputes the chain of every event `source` visits, which must start at position 1 and
// end at `head`; notes the hash at `watch` in `watched`.
void check_chain(const Source& source, const events::Head& head, VerifyReport& report,
                 const std::function<void(int64_t, int64_t)>& progress, int64_t watch,
                 std::optional<std::string>& watched) {
  report.position = head.position;
  report.head = head.hash;
  std::string previous(events::genesis_hash);
  int64_t expected = 1;
  source([&](const RecordedEvent& e) {
    ++report.events;
    if (report.ok && e.position != expected)
      fail(report, expected, "position " + std::to_string(expected) + " is missing from the log");
    if (report.ok && events::chain_hash(previous, e) != e.hash)
      fail(report, e.position,
           "event " + std::to_string(e.position) +
               " does not match its hash: its content or an earlier event was changed");
    if (e.position == watch) watched = e.hash;
    previous = e.hash;
    expected = e.position + 1;
    if (progress && report.events % 10000 == 0) progress(report.events, head.position);
  });
}

}  // namespace

VerifyReport verify(db::Connection& db, const std::optional<Digest>& digest,
                    const std::function<void(int64_t, int64_t)>& progress,
                    events::store::EventLog* shared) {
  VerifyReport report;
  // One snapshot for the node's log, the checkpoint and the live tables.
  db::Transaction snapshot(db, db::Transaction::Kind::deferred);
  events::EventStore store(db);
  int64_t checkpoint = CatalogProjection(db).checkpoint();
  events::Head local_head = store.head();

  // The log itself: the shared one on a cluster node, else this file's.
  events::Head head = shared ? shared->head() : local_head;
  int64_t watch = digest ? digest->position : -1;
  std::optional<std::string> hash_at_digest;
  std::optional<std::string> hash_at_local_head;
  if (shared) {
    check_chain(
        [&](const Visit& v) {
          shared->for_each_after(
              0,
              [&](const RecordedEvent& e) {
                if (e.position == local_head.position) hash_at_local_head = e.hash;
                v(e);
              },
              head.position);
        },
        head, report, progress, watch, hash_at_digest);
  } else {
    check_chain([&](const Visit& v) { store.for_each_after(0, v); }, head, report, progress, watch,
                hash_at_digest);
  }

  if (digest && report.ok && hash_at_digest != digest->hash) {
    fail(report, digest->position,
         hash_at_digest
             ? "the log up to position " + std::to_string(digest->position) +
                   " is not the one the digest describes"
             : "position " + std::to_string(digest->position) + " is beyond the head of the log");
  }
  if (!report.ok) return report;

  if (shared && local_head.position > 0) {
    // The node's copy: an unbroken chain that ends on an event of the shared log.
    VerifyReport copy;
    std::optional<std::string> unused;
    check_chain([&](const Visit& v) { store.for_each_after(0, v); }, local_head, copy, {}, -1,
                unused);
    if (!copy.ok) {
      fail(report, *copy.failed_at, "this node's copy of the log: " + copy.problem);
      return report;
    }
    if (hash_at_local_head != local_head.hash) {
      fail(report, local_head.position,
           "this node's copy of the log is not the shared log at position " +
               std::to_string(local_head.position));
      return report;
    }
  }

  // The tree that proofs are served from must be the one this node's log makes.
  if (auto fault = merkle::SqliteTree(db).check(local_head.position)) {
    fail(report, fault->position, fault->what);
    return report;
  }

  if (checkpoint > local_head.position) {
    fail(report, local_head.position + 1,
         "the read model claims events beyond the head of the log");
    return report;
  }
  auto scratch = replay_scratch(store, checkpoint);
  for (const auto& check : table_checks) {
    db::Statement live(db, check.sql);
    db::Statement replayed(*scratch, check.sql);
    if (auto key = first_difference(live, replayed)) {
      std::string stream = std::string(check.stream_prefix) + std::to_string(*key);
      auto history = store.read_stream(stream, 0, INT64_MAX, checkpoint);
      fail(report, history.empty() ? checkpoint : history.back().position,
           "the read model's " + std::string(check.table) + " row " + std::to_string(*key) +
               " differs from a replay of the log");
      break;
    }
  }
  if (progress) progress(report.events, head.position);
  return report;
}

nlohmann::json to_json(const VerifyReport& r) {
  if (r.ok) return {{"ok", true}, {"events", r.events}, {"position", r.position}, {"head", r.head}};
  return {
      {"ok", false},          {"events", r.events}, {"position", r.failed_at.value_or(r.position)},
      {"problem", r.problem}, {"head", r.head},     {"head_position", r.position}};
}

}  // namespace catalog::projections
