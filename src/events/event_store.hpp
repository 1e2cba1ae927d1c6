// The event log in SQLite: append at the head (the caller owns the transaction), read by
// position range and by stream. Every statement is prepared once and bound.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/sqlite.hpp"
#include "events/recorded_event.hpp"
#include "merkle/tree.hpp"

namespace catalog::events {

struct Head {
  int64_t position = 0;  // 0 for an empty log
  std::string hash;      // genesis_hash for an empty log
};

class EventStore {
 public:
  // With `tree_edge`, appends keep the Merkle tree's right edge there instead of reading the
  // nodes they complete back from the database (the writer keeps one across its batches).
  explicit EventStore(db::Connection& db, std::optional<merkle::Frontier>* tree_edge = nullptr)
      : db_(db), tree_edge_(tree_edge) {}

  Head head();
  // Inserts one event; its position, version and hash must already be the next ones
  // (the database refuses gaps, and so does the caller's hash chain).
  void append(const RecordedEvent& e);
  // Events with position > after, ascending, at most `limit`.
  std::vector<RecordedEvent> read_after(int64_t after, int64_t limit);
  // Events with position in (after, until], ascending, at most `limit`.
  std::vector<RecordedEvent> read_range(int64_t after, int64_t until, int64_t limit);
  // One stream's events with position in (after, until], ascending, at most `limit`.
  std::vector<RecordedEvent> read_stream(std::string_view stream, int64_t after, int64_t limit,
                                         int64_t until = INT64_MAX);
  // Calls `visit` for every event with position in (after, until], in order, without
  // holding them all in memory. Returns the number visited.
  int64_t for_each_after(int64_t after, const std::function<void(const RecordedEvent&)>& visit,
                         int64_t until = INT64_MAX);

 private:
  db::Connection& db_;
  std::optional<merkle::Frontier>* tree_edge_;
};

}  // namespace catalog::events
