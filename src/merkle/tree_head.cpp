#include "merkle/tree_head.hpp"

namespace catalog::merkle {

std::string tree_head_message(const SignedTreeHead& head) {
  return "catalog-tree-head-v1\n" + std::to_string(head.tree_size) + "\n" + head.root_hash + "\n" +
         head.timestamp;
}

}  // namespace catalog::merkle
