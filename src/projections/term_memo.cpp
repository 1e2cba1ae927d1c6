#include "projections/term_memo.hpp"

#include <algorithm>
#include <utility>

namespace catalog::projections {

namespace {

template <class T>
void drop(std::vector<T*>& from, T* item) {
  auto it = std::find(from.begin(), from.end(), item);
  if (it == from.end()) return;
  *it = from.back();
  from.pop_back();
}

}  // namespace

TermMemo::TermMemo(TermMemo&& other) noexcept
    : max_bytes_(other.max_bytes_), min_ids_(other.min_ids_), max_terms_(other.max_terms_) {
  std::lock_guard lock(other.mutex_);
  entries_ = std::move(other.entries_);
  anchored_ = std::move(other.anchored_);
  unanchored_ = std::move(other.unanchored_);
  bytes_ = other.bytes_;
  tick_ = other.tick_.load();
  other.bytes_ = 0;
}

TermMemo& TermMemo::operator=(TermMemo&& other) noexcept {
  if (this == &other) return *this;
  std::scoped_lock lock(mutex_, other.mutex_);
  max_bytes_ = other.max_bytes_;
  min_ids_ = other.min_ids_;
  max_terms_ = other.max_terms_;
  entries_ = std::move(other.entries_);
  anchored_ = std::move(other.anchored_);
  unanchored_ = std::move(other.unanchored_);
  bytes_ = other.bytes_;
  tick_ = other.tick_.load();
  other.entries_.clear();
  other.anchored_.clear();
  other.unanchored_.clear();
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

std::shared_ptr<const Roaring> TermMemo::keep(std::string_view term, Roaring ids,
                                              std::optional<uint64_t> anchor) const {
  auto shared = std::make_shared<Roaring>(std::move(ids));
  if (!anchor && shared->cardinality() < min_ids_) return shared;
  shared->runOptimize();
  shared->shrinkToFit();
  // The bitmap, and roughly what the entry costs around it.
  size_t size = shared->getSizeInBytes(false) + term.size() + sizeof(Kept) + 64;
  if (size > max_bytes_ || max_terms_ == 0) return shared;
  std::lock_guard lock(mutex_);
  auto [it, added] = entries_.try_emplace(std::string(term));
  if (!added) return it->second.ids;  // another reader kept it first: the same answer
  Entry& entry = it->second;
  entry.ids = shared;
  entry.bytes = size;
  entry.anchor = anchor;
  entry.used.store(++tick_, std::memory_order_relaxed);
  Kept* kept = &*it;
  if (anchor)
    anchored_[*anchor].push_back(kept);
  else
    unanchored_.push_back(kept);
  bytes_ += size;
  evict_locked();
  return shared;
}

void TermMemo::erase_locked(std::unordered_map<std::string, Entry>::iterator it) const {
  Kept* kept = &*it;
  if (auto anchor = it->second.anchor) {
    auto at = anchored_.find(*anchor);
    drop(at->second, kept);
    if (at->second.empty()) anchored_.erase(at);
  } else {
    drop(unanchored_, kept);
  }
  bytes_ -= it->second.bytes;
  entries_.erase(it);
}

void TermMemo::evict_locked() const {
  auto used = [](const auto& it) { return it->second.used.load(std::memory_order_relaxed); };
  while (bytes_ > max_bytes_ && entries_.size() > 1) {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (used(it) < used(oldest)) oldest = it;
    }
    erase_locked(oldest);
  }
  if (entries_.size() <= max_terms_) return;
  // An eighth of the terms at once, the least recent, so that a stream of new terms costs a
  // search of every entry only once in max_terms / 8 keeps.
  std::vector<std::unordered_map<std::string, Entry>::iterator> all;
  all.reserve(entries_.size());
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    all.push_back(it);
  size_t going = std::max<size_t>(entries_.size() - max_terms_, max_terms_ / 8);
  going = std::min(going, all.size() - 1);
  std::nth_element(all.begin(), all.begin() + static_cast<ptrdiff_t>(going), all.end(),
                   [&](const auto& a, const auto& b) { return used(a) < used(b); });
  for (size_t i = 0; i < going; ++i)
    erase_locked(all[i]);
}

void TermMemo::follow(Kept& kept, uint32_t id, std::string_view before, std::string_view after) {
  const std::string& term = kept.first;
  bool had = !before.empty() && before.find(term) != std::string_view::npos;
  bool has = !after.empty() && after.find(term) != std::string_view::npos;
  if (had == has) return;
  if (has)
    kept.second.ids->add(id);
  else
    kept.second.ids->remove(id);
}

void TermMemo::renamed(uint32_t id, std::string_view before, std::string_view after,
                       const std::vector<uint64_t>& keys) {
  std::lock_guard lock(mutex_);
  if (entries_.empty()) return;
  for (Kept* kept : unanchored_)
    follow(*kept, id, before, after);
  if (anchored_.empty()) return;
  for (uint64_t key : keys) {
    auto at = anchored_.find(key);
    if (at == anchored_.end()) continue;
    for (Kept* kept : at->second)
      follow(*kept, id, before, after);
  }
}

void TermMemo::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  anchored_.clear();
  unanchored_.clear();
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
