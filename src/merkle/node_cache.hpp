// The upper levels of a stored Merkle tree, in memory, for the process that serves proofs.
// A node never changes once written, so a hash read once stays true: each level is a vector
// indexed by the node's index, extended from the database when a proof asks past its end.
// Levels below `lowest_level` stay in the database: they hold most of the nodes (half of them
// are level 1) and a proof needs one node of each. From level 5 up, 1M events cost 2 MB here.
#pragma once

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <vector>

#include "merkle/tree.hpp"

namespace catalog::merkle {

class SqliteTree;

class NodeCache {
 public:
  static constexpr int lowest_level = 5;

  // The hash of `id` (id.level >= lowest_level): from memory, or read from `tree`'s database
  // with the nodes of its level before it; nullopt when the database does not have it either.
  std::optional<Hash> get(SqliteTree& tree, const NodeId& id);

 private:
  std::optional<Hash> cached(const NodeId& id) const;  // under at least a shared lock

  mutable std::shared_mutex mutex_;
  std::vector<std::vector<Hash>> levels_;  // [level - lowest_level][index]
};

}  // namespace catalog::merkle
