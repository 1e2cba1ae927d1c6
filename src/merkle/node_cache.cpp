#include "merkle/node_cache.hpp"

#include <mutex>
#include <stdexcept>

#include "merkle/sqlite_tree.hpp"

namespace catalog::merkle {

std::optional<Hash> NodeCache::cached(const NodeId& id) const {
  size_t level = static_cast<size_t>(id.level - lowest_level);
  if (level >= levels_.size() || id.index >= static_cast<int64_t>(levels_[level].size()))
    return std::nullopt;
  return levels_[level][static_cast<size_t>(id.index)];
}

std::optional<Hash> NodeCache::get(SqliteTree& tree, const NodeId& id) {
  if (id.level < lowest_level) throw std::logic_error("NodeCache holds the upper levels only");
  {
    std::shared_lock read(mutex_);
    if (auto h = cached(id)) return h;
  }
  std::unique_lock write(mutex_);
  if (auto h = cached(id)) return h;  // another thread read it meanwhile
  size_t level = static_cast<size_t>(id.level - lowest_level);
  if (levels_.size() <= level) levels_.resize(level + 1);
  // The level's nodes up to the one asked, each read once: a level holds no gap, since nodes
  // are written in leaf order.
  auto& nodes = levels_[level];
  while (static_cast<int64_t>(nodes.size()) <= id.index) {
    auto h = tree.stored({id.level, static_cast<int64_t>(nodes.size())});
    if (!h) return std::nullopt;
    nodes.push_back(*h);
  }
  return nodes.back();
}

}  // namespace catalog::merkle
