#include "projections/product_cache.hpp"

#include <mutex>

namespace catalog::projections {

void ProductCache::before_commit(const std::vector<events::Id>& products, bool everything) {
  std::unique_lock lock(mutex_);
  committing_ = true;
  if (everything) {
    entries_.clear();
    return;
  }
  for (events::Id id : products)
    entries_.erase(id);
}

void ProductCache::after_commit(int64_t position) {
  std::unique_lock lock(mutex_);
  committing_ = false;
  position_ = position;
}

std::shared_ptr<const CachedProduct> ProductCache::find(events::Id id) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const CachedProduct>> ProductCache::find_as_of(
    const std::vector<events::Id>& ids, int64_t position) const {
  std::vector<std::shared_ptr<const CachedProduct>> found(ids.size());
  std::shared_lock lock(mutex_);
  for (size_t i = 0; i < ids.size(); ++i) {
    // An entry is taken out before any change to its product commits, so one read at or
    // before the snapshot is still the snapshot's product.
    auto it = entries_.find(ids[i]);
    if (it != entries_.end() && it->second->position <= position) found[i] = it->second;
  }
  return found;
}

void ProductCache::insert(events::Id id, std::shared_ptr<const CachedProduct> product) {
  std::unique_lock lock(mutex_);
  if (committing_ || position_ < 0 || product->position != position_) return;
  // Full: one entry goes, whichever the table holds first. Cheaper than keeping an order,
  // and a product read often comes back soon.
  if (entries_.size() >= capacity_ && !entries_.count(id)) entries_.erase(entries_.begin());
  entries_[id] = std::move(product);
}

size_t ProductCache::size() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

}  // namespace catalog::projections
