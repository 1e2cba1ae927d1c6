// The exact answers of the name searches that match many products, kept and kept current. A
// term longer than one trigram is found by intersecting its trigrams' lists and then reading
// every candidate's name, since "abxbcd" holds the trigrams of "abcd" too: at a million
// products a word that 8 % of the names hold costs 80,000 reads of a name, about 3 ms, for
// every request. Kept here, the word's ids are a bitmap that a request intersects with the
// tags' and counts; each name change afterwards tests the new and the old name against every
// kept term (a substring search of each, ~2 µs for all at the default budget).
//
// Only answers of at least `min_ids` ids are kept (a small answer is cheap to compute again),
// up to `max_bytes` of bitmaps; past it the least recently asked term goes.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <roaring/roaring.hh>
#include <string>
#include <string_view>
#include <unordered_map>

namespace catalog::projections {

class TermMemo {
 public:
  static constexpr size_t default_max_bytes = size_t{32} << 20;
  static constexpr uint64_t default_min_ids = 2048;

  explicit TermMemo(size_t max_bytes = default_max_bytes, uint64_t min_ids = default_min_ids)
      : max_bytes_(max_bytes), min_ids_(min_ids) {}
  TermMemo(TermMemo&& other) noexcept;
  TermMemo& operator=(TermMemo&& other) noexcept;

  // The kept answer for `term`, or null. Safe from any number of readers at once.
  std::shared_ptr<const Roaring> find(std::string_view term) const;
  // Keeps `ids` as the answer for `term` if it is large enough; returns it, shared.
  std::shared_ptr<const Roaring> keep(std::string_view term, Roaring ids) const;
  // A product's name changed from `before` to `after` (empty: none): every kept answer
  // follows. Not concurrently with find() or keep() (the index's writer holds its lock).
  void renamed(uint32_t id, std::string_view before, std::string_view after);
  void clear();

  size_t size() const;
  size_t bytes() const;

 private:
  struct Entry {
    std::shared_ptr<Roaring> ids;
    size_t bytes = 0;
    mutable std::atomic<uint64_t> used{0};  // the tick of the last find()
  };
  void evict_locked() const;

  size_t max_bytes_;
  uint64_t min_ids_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, Entry> entries_;
  mutable size_t bytes_ = 0;
  mutable std::atomic<uint64_t> tick_{0};
};

}  // namespace catalog::projections
