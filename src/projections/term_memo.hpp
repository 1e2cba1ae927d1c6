// The exact answers of name searches, kept and kept current. A term longer than one trigram
// is found by intersecting its trigrams' lists and then reading every candidate's name, since
// "abxbcd" holds the trigrams of "abcd" too: at a million products a word that 8 % of the
// names hold costs 80,000 reads of a name, about 3 ms, for every request. Even a one-trigram
// term that a thousand names hold costs a decode of its list into a bitmap per request, which
// the mixed benchmark at 10,000 products showed as 4 % of its time. Kept here, the term's ids
// are a bitmap that a request intersects with the tags' and counts.
//
// Each name change afterwards tests the new and the old name against the kept terms that can
// be in them: a term of three code points or more is filed under one of its trigrams (its
// anchor), every name holding the term holds that trigram too, so a rename looks up the
// names' own trigrams and tests only the terms filed there. Terms without an anchor (shorter,
// or not UTF-8) are tested on every rename; those are kept only when their answer has at
// least `min_ids` ids, since each costs every rename a substring search.
//
// At most `max_terms` terms and `max_bytes` of bitmaps are kept; past either, the least
// recently asked go.
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
#include <vector>

namespace catalog::projections {

class TermMemo {
 public:
  static constexpr size_t default_max_bytes = size_t{32} << 20;
  static constexpr uint64_t default_min_ids = 2048;
  static constexpr size_t default_max_terms = 4096;

  explicit TermMemo(size_t max_bytes = default_max_bytes, uint64_t min_ids = default_min_ids,
                    size_t max_terms = default_max_terms)
      : max_bytes_(max_bytes), min_ids_(min_ids), max_terms_(max_terms) {}
  TermMemo(TermMemo&& other) noexcept;
  TermMemo& operator=(TermMemo&& other) noexcept;

  // The kept answer for `term`, or null. Safe from any number of readers at once.
  std::shared_ptr<const Roaring> find(std::string_view term) const;
  // Keeps `ids` as the answer for `term`, filed under `anchor` (a key that every name holding
  // the term holds, as renamed() is given them), or without one if it is large enough;
  // returns it, shared.
  std::shared_ptr<const Roaring> keep(std::string_view term, Roaring ids,
                                      std::optional<uint64_t> anchor) const;
  // A product's name changed from `before` to `after` (empty: none); `keys`, sorted and
  // distinct, are the anchors either name holds. Every kept answer follows. Not concurrently
  // with find() or keep() (the index's writer holds its lock).
  void renamed(uint32_t id, std::string_view before, std::string_view after,
               const std::vector<uint64_t>& keys);
  void clear();

  size_t size() const;
  size_t bytes() const;

 private:
  struct Entry {
    std::shared_ptr<Roaring> ids;
    size_t bytes = 0;
    std::optional<uint64_t> anchor;
    mutable std::atomic<uint64_t> used{0};  // the tick of the last find()
  };
  using Kept = std::pair<const std::string, Entry>;

  void follow(Kept& kept, uint32_t id, std::string_view before, std::string_view after);
  void erase_locked(std::unordered_map<std::string, Entry>::iterator it) const;
  void evict_locked() const;

  size_t max_bytes_;
  uint64_t min_ids_;
  size_t max_terms_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, Entry> entries_;
  // The entries by anchor, and those without one. Pointers into entries_, whose nodes stay
  // where they are until erased.
  mutable std::unordered_map<uint64_t, std::vector<Kept*>> anchored_;
  mutable std::vector<Kept*> unanchored_;
  mutable size_t bytes_ = 0;
  mutable std::atomic<uint64_t> tick_{0};
};

}  // namespace catalog::projections
