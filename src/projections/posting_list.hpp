// The ascending ids of the names that hold one trigram, compressed: at a million products
// the 1,645 trigrams of the benchmark's names have 28 million ids, 112 MB as plain 32-bit
// ids. Consecutive ids of a list are close, so each is kept as a varint of its distance from
// the one before: mostly one byte. The ids are cut into blocks of up to `block_ids`, so an
// edit in the middle (a product renamed or deleted) rewrites one block, not the list; a
// new product, whose id is the highest, is appended in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace catalog::projections {

class PostingList {
 public:
  static constexpr uint32_t block_ids = 128;

  // Whether the id was added (absent before) or removed (present before).
  bool add(uint32_t id);
  bool remove(uint32_t id);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // f(id) for every id, ascending.
  template <class F>
  void for_each(F f) const {
    for (const auto& b : blocks_)
      each_id(b, f);
  }
  // Every id, ascending, appended to `out`.
  template <class Out>
  void decode(std::vector<Out>& out) const {
    out.reserve(out.size() + size_);
    for_each([&out](uint32_t id) { out.push_back(static_cast<Out>(id)); });
  }

 private:
  struct Block {
    uint32_t first = 0;  // the first id, in full
    uint32_t last = 0;
    uint32_t count = 0;
    std::string gaps;  // varints: each id's distance from the one before, after `first`
  };

  template <class F>
  static void each_id(const Block& b, F& f) {
    uint32_t id = b.first;
    f(id);
    auto p = reinterpret_cast<const unsigned char*>(b.gaps.data());
    auto end = p + b.gaps.size();
    while (p < end) {
      uint32_t byte = *p++;
      if (byte < 0x80) {  // most gaps: one byte
        id += byte;
      } else {
        uint32_t gap = byte & 0x7F;
        for (int shift = 7;; shift += 7) {
          byte = *p++;
          gap |= (byte & 0x7F) << shift;
          if (byte < 0x80) break;
        }
        id += gap;
      }
      f(id);
    }
  }
  static void put_gap(std::string& gaps, uint32_t gap);
  static std::vector<uint32_t> ids_of(const Block& b);
  static Block block_of(const uint32_t* ids, size_t n);
  // The block that holds `id` if any list's block does: the last whose first is <= id.
  size_t block_for(uint32_t id) const;

  std::vector<Block> blocks_;
  size_t size_ = 0;
};

}  // namespace catalog::projections
