#include "events/event_store.hpp"

#include "events/hash_chain.hpp"
#include "merkle/sqlite_tree.hpp"

namespace catalog::events {

namespace {

constexpr std::string_view columns =
    "SELECT position, stream, version, type, data, recorded_at, hash FROM events ";

RecordedEvent row_to_event(const db::Statement& s) {
  RecordedEvent e;
  e.position = s.int64(0);
  e.stream = s.text(1);
  e.version = s.int64(2);
  e.type = s.text(3);
  e.data = s.text(4);
  // A recorded_at that does not parse is kept as 0; verify then reports the hash mismatch.
  e.recorded_at = parse_iso(s.text_view(5)).value_or(0);
  e.hash = s.text(6);
  return e;
}

std::vector<RecordedEvent> collect(db::Statement& s) {
  db::Reset done(s);
  std::vector<RecordedEvent> out;
  while (s.step())
    out.push_back(row_to_event(s));
  return out;
}

}  // namespace

Head EventStore::head() {
  db::Reset s(db_.cached("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1"));
  if (!s->step()) return Head{0, std::string(genesis_hash)};
  return Head{s->int64(0), s->text(1)};
}

void EventStore::append(const RecordedEvent& e) {
  auto& s = db_.cached(
      "INSERT INTO events (position, stream, version, type, data, recorded_at, hash) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  db::Reset done(s);
  s.bind(1, e.position)
      .bind(2, e.stream)
      .bind(3, e.version)
      .bind(4, e.type)
      .bind(5, e.data)
      .bind(6, format_iso(e.recorded_at))
      .bind(7, e.hash);
  s.step();
  // In the same transaction as the event, so tree and log never disagree.
  if (tree_edge_)
    merkle::SqliteTree(db_).add_leaf(*tree_edge_, e.position, e.hash);
  else
    merkle::SqliteTree(db_).add_leaf(e.position, e.hash);
}

std::vector<RecordedEvent> EventStore::read_after(int64_t after, int64_t limit) {
  auto& s = db_.cached(std::string(columns) + "WHERE position > ? ORDER BY position LIMIT ?");
  s.bind(1, after).bind(2, limit);
  return collect(s);
}

std::vector<RecordedEvent> EventStore::read_range(int64_t after, int64_t until, int64_t limit) {
  auto& s = db_.cached(std::string(columns) +
                       "WHERE position > ? AND position <= ? ORDER BY position LIMIT ?");
  s.bind(1, after).bind(2, until).bind(3, limit);
  return collect(s);
}

std::vector<RecordedEvent> EventStore::read_stream(std::string_view stream, int64_t after,
                                                   int64_t limit, int64_t until) {
  auto& s =
      db_.cached(std::string(columns) +
                 "WHERE stream = ? AND position > ? AND position <= ? ORDER BY version LIMIT ?");
  s.bind(1, stream).bind(2, after).bind(3, until).bind(4, limit);
  return collect(s);
}

int64_t EventStore::for_each_after(int64_t after,
                                   const std::function<void(const RecordedEvent&)>& visit,
                                   int64_t until) {
  auto& s =
      db_.cached(std::string(columns) + "WHERE position > ? AND position <= ? ORDER BY position");
  db::Reset done(s);
  s.bind(1, after).bind(2, until);
  int64_t n = 0;
  while (s.step()) {
    visit(row_to_event(s));
    ++n;
  }
  return n;
}

}  // namespace catalog::events
