#include "events/store/sqlite_log.hpp"

namespace catalog::events::store {

void SqliteLog::append(const Head& expected, const std::vector<RecordedEvent>& events,
                       const std::vector<KeptAnswer>& answers) {
  auto& db = writer_.get();
  // Whatever fails below rolls the transaction back, and the edge with it.
  auto edge = std::move(tree_edge_);
  tree_edge_.reset();
  EventStore store(db, &edge);
  db::Transaction txn(db);
  Head head = store.head();
  if (head.position != expected.position || head.hash != expected.hash)
    throw Fenced("the event log was written by another process (head " +
                 std::to_string(head.position) + ", expected " + std::to_string(expected.position) +
                 ")");
  for (const auto& e : events)
    store.append(e);
  if (!answers.empty()) {
    auto& keep = db.cached(
        "INSERT OR REPLACE INTO idempotency_keys "
        "(key, fingerprint, status, body, location, etag, position, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    Millis now = now_millis();
    for (const auto& a : answers) {
      keep.bind(1, a.key)
          .bind(2, a.fingerprint)
          .bind(3, a.status)
          .bind(4, a.body)
          .bind(5, a.location)
          .bind(6, a.etag)
          .bind(7, a.position)
          .bind(8, now)
          .run();
    }
  }
  txn.commit();
  tree_edge_ = std::move(edge);
}

std::vector<KeptAnswer> SqliteLog::find_answers(const std::vector<std::string>& keys) {
  auto& find = writer_.get().cached(
      "SELECT fingerprint, status, body, location, etag, position FROM idempotency_keys "
      "WHERE key = ? AND created_at > ?");
  std::vector<KeptAnswer> found;
  Millis since = now_millis() - kept_answer_millis;
  for (const auto& key : keys) {
    db::Reset done(find);
    find.bind(1, key).bind(2, since);
    if (!find.step()) continue;
    found.push_back(KeptAnswer{key, find.text(0), static_cast<int>(find.int64(1)), find.text(2),
                               find.opt_text(3), find.opt_text(4), find.int64(5)});
  }
  return found;
}

void SqliteLog::forget_old_answers() {
  writer_.get()
      .cached("DELETE FROM idempotency_keys WHERE created_at <= ?")
      .bind(1, now_millis() - kept_answer_millis)
      .run();
}

}  // namespace catalog::events::store
