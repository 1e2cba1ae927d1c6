// The Merkle tree of a SQLite log: its nodes in `merkle_nodes` (schema revision 0011), its
// leaves derived from the events' hashes. Every statement runs in the caller's transaction,
// so an appended event and the nodes it completes commit together.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/sqlite.hpp"
#include "merkle/tree.hpp"

namespace catalog::merkle {

class NodeCache;

// A node's key in merkle_nodes: its place in the order nodes are written (1, 2, 3, ...).
int64_t node_seq(const NodeId& id);

// Where the stored tree first disagrees with the one the log's events make.
struct TreeFault {
  int64_t position;  // the event whose leaf completes the first wrong or missing node
  std::string what;
};

class SqliteTree {
 public:
  // With a cache, the upper levels are read from it (a process serving proofs keeps one).
  explicit SqliteTree(db::Connection& db, NodeCache* cache = nullptr) : db_(db), cache_(cache) {}

  // The hashes of these complete subtrees, in order; throws std::runtime_error naming the
  // first one missing.
  std::vector<Hash> fetch(const std::vector<NodeId>& ids);
  NodeFetch fetcher() {
    return [this](const std::vector<NodeId>& ids) { return fetch(ids); };
  }

  // The stored hash of a node of level >= 1, straight from the database.
  std::optional<Hash> stored(const NodeId& id);

  // Adds the nodes that the event at `position` (whose chain hash is `event_hash`, hex)
  // completes. The events before it must already have theirs.
  void add_leaf(int64_t position, std::string_view event_hash);
  // The same, with the tree's right edge kept by the caller: read from the database only when
  // it is empty or not the edge of the tree before `position`.
  void add_leaf(std::optional<Frontier>& edge, int64_t position, std::string_view event_hash);

  // Adds the nodes of the events logged before the tree was kept (a log migrated to revision
  // 0011, or one whose revision was applied as SQL by hand). Returns how many events it read;
  // `progress` sees (done, total) now and then.
  int64_t catch_up(const std::function<void(int64_t, int64_t)>& progress = {});

  // Recomputes the whole tree from the events (up to `until`) and compares it with the stored
  // nodes; nullopt when they agree.
  std::optional<TreeFault> check(int64_t until,
                                 const std::function<void(int64_t, int64_t)>& progress = {});

 private:
  Hash leaf_at(int64_t position);
  void insert(const NodeId& id, const Hash& h);
  // The number of leaves whose nodes are all stored (the tree grows in leaf order).
  int64_t built_size();

  db::Connection& db_;
  NodeCache* cache_;
};

}  // namespace catalog::merkle
