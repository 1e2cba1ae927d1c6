// The Merkle tree of RFC 9162 §2.1 (SHA-256) over the event log: leaf i is the event at
// position i + 1, its leaf input the 32 raw bytes of that event's chain hash. The tree is kept
// as the hashes of its complete subtrees ("nodes"), so the root of any size and any inclusion
// or consistency proof combine O(log n) stored hashes. Each computation first lists the nodes
// it needs (a function of the sizes alone), asks the store for all of them at once, then
// combines them: the arithmetic never waits on a read.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace catalog::merkle {

using Hash = std::array<unsigned char, 32>;

Hash sha256(std::string_view bytes);
// SHA-256(0x00 || entry): the hash of a leaf whose input is `entry`.
Hash leaf_hash(const Hash& entry);
// SHA-256(0x01 || left || right).
Hash node_hash(const Hash& left, const Hash& right);

std::string to_hex(const Hash& h);
// Throws std::invalid_argument unless `hex` is 64 hex digits.
Hash from_hex(std::string_view hex);

// The complete subtree over leaves [index << level, (index + 1) << level). Level 0 is a leaf.
struct NodeId {
  int level = 0;
  int64_t index = 0;
  bool operator==(const NodeId&) const = default;
  bool operator<(const NodeId& o) const {
    return level != o.level ? level < o.level : index < o.index;
  }
};

// Fetches the hashes of complete subtrees, in the order asked. Every id asked lies within the
// tree's current size. Throws when one is missing (a damaged tree).
using NodeFetch = std::function<std::vector<Hash>(const std::vector<NodeId>&)>;

// MTH of the first `size` leaves (size >= 1).
Hash root(const NodeFetch& fetch, int64_t size);
// The audit path of leaf `index` (0-based) in the tree of `size` leaves, leaf side first
// (RFC 9162 §2.1.3.1). Requires index < size.
std::vector<Hash> inclusion_path(const NodeFetch& fetch, int64_t index, int64_t size);
// The consistency proof between the trees of `first` and `second` leaves (RFC 9162
// §2.1.4.1); empty when they are equal. Requires 1 <= first <= second.
std::vector<Hash> consistency_path(const NodeFetch& fetch, int64_t first, int64_t second);

// The nodes a tree of `size` leaves is made of, highest first: one per bit set in `size`.
std::vector<NodeId> decomposition(int64_t size);
// How many nodes of level >= 1 a tree of `size` leaves has: size - popcount(size).
int64_t inner_node_count(int64_t size);

// The right edge of the tree (its decomposition's hashes), grown one leaf at a time: gives
// the nodes of level >= 1 each new leaf completes, and the root, without reading anything.
class Frontier {
 public:
  Frontier() = default;
  // The frontier of a tree of `size` leaves, from the hashes of decomposition(size).
  Frontier(int64_t size, std::vector<Hash> decomposition_hashes);

  int64_t size() const { return size_; }
  // Appends a leaf (its leaf hash); calls `completed` for each node it completes, lowest
  // level first.
  void push(const Hash& leaf, const std::function<void(const NodeId&, const Hash&)>& completed);
  // The root of the tree so far (size >= 1).
  Hash root() const;

 private:
  int64_t size_ = 0;
  std::vector<Hash> stack_;  // decomposition(size_) hashes, highest level first
};

// An auditor's checks (RFC 9162 §2.1.3.2 and §2.1.4.2), trusting nothing but the hashes.
bool verify_inclusion(int64_t index, int64_t size, const Hash& leaf, const std::vector<Hash>& path,
                      const Hash& root);
bool verify_consistency(int64_t first, int64_t second, const std::vector<Hash>& path,
                        const Hash& first_root, const Hash& second_root);

}  // namespace catalog::merkle
