#include "projections/term_memo.hpp"

namespace catalog::projections {

TermMemo::TermMemo(TermMemo&& other) noexcept
    : max_bytes_(other.max_bytes_), min_ids_(other.min_ids_) {
  std::lock_guard lock(other.mutex_);
  entries_ = std::move(other.entries_);
  bytes_ = other.bytes_;
  tick_ = other.tick_.load();
  other.bytes_ = 0;
}

TermMemo& TermMemo::operator=(TermMemo&& other) noexcept {
  if (this == &other) return *this;
  std::scoped_lock lock(mutex_, other.mutex_);
  max_bytes_ = other.max_bytes_;
  min_ids_ = other.min_ids_;
  entries_ = std::move(other.entries_);
  bytes_ = other.bytes_;
  tick_ = other.tick_.load();
  other.entries_.clear();
  other.bytes_ = 0;
  return *this;
}

std::shared_ptr<const Roaring> TermMemo::find(std::string_view term) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(term));
  if (it == entries_.end()) return nullptr;
  it->second.used.store(++tick_, std::memory_order_relaxed);
  return it->second.ids;
}

std::shared_ptr<const Roaring> TermMemo::keep(std::string_view term, Roaring ids) const {
  auto shared = std::make_shared<Roaring>(std::move(ids));
  if (shared->cardinality() < min_ids_) return shared;
  shared->runOptimize();
  shared->shrinkToFit();
  size_t size = shared->getSizeInBytes(false);
  if (size > max_bytes_) return shared;
  std::lock_guard lock(mutex_);
  auto [it, added] = entries_.try_emplace(std::string(term));
  if (!added) return it->second.ids;  // another reader kept it first: the same answer
  it->second.ids = shared;
  it->second.bytes = size;
  it->second.used.store(++tick_, std::memory_order_relaxed);
  bytes_ += size;
  evict_locked();
  return shared;
}

void TermMemo::evict_locked() const {
  while (bytes_ > max_bytes_ && entries_.size() > 1) {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.used.load(std::memory_order_relaxed) <
          oldest->second.used.load(std::memory_order_relaxed))
        oldest = it;
    }
    bytes_ -= oldest->second.bytes;
    entries_.erase(oldest);
  }
}

void TermMemo::renamed(uint32_t id, std::string_view before, std::string_view after) {
  std::lock_guard lock(mutex_);
  for (auto& [term, entry] : entries_) {
    bool had = !before.empty() && before.find(term) != std::string_view::npos;
    bool has = !after.empty() && after.find(term) != std::string_view::npos;
    if (had == has) continue;
    if (has)
      entry.ids->add(id);
    else
      entry.ids->remove(id);
  }
}

void TermMemo::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  bytes_ = 0;
}

size_t TermMemo::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

size_t TermMemo::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace catalog::projections
