// The write model's products by id. A product as a ProductState is about 200 bytes of
// slot, and more on the heap for a name over 15 bytes and for the tags: most of the
// memory of a catalog of a million products. So each is kept as one packed record
// (varints, prices in whole hundredths when they are exactly that, the strings as their
// bytes) in chunks of records, and is decoded when asked for: 65 bytes a product like the
// benchmark's, slot included, against 274 as a ProductState.
//
// The catalog gives ids 1, 2, 3, ... so the records are found through slots of fixed-size
// chunks rather than nodes of a hash map, which cost about 40 bytes more per product.
// Chunks, not one vector, so that growing never holds a doubled copy.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/clock.hpp"
#include "events/event.hpp"

namespace catalog::events {

struct ProductState {
  ProductFields fields;
  int64_t version = 0;
  Millis created_at = 0;
  Millis updated_at = 0;

  bool operator==(const ProductState&) const = default;
};

class ProductsById {
 public:
  // Records are written one after another into chunks of `chunk_bytes`; a longer record
  // has a chunk of its own.
  explicit ProductsById(size_t chunk_bytes = size_t{1} << 20) : chunk_bytes_(chunk_bytes) {}
  ProductsById(ProductsById&&) = default;
  ProductsById& operator=(ProductsById&&) = default;
  ProductsById& operator=(const ProductsById&) = delete;  // clone() says what a copy is

  std::optional<ProductState> find(Id id) const;
  bool contains(Id id) const { return slot(id) != 0; }
  // find(id)->version, without decoding the rest.
  std::optional<int64_t> version(Id id) const;
  // Inserts or replaces; `id` must not be negative.
  void put(Id id, const ProductState& state);
  void erase(Id id);

  // The product's record as it is kept, "" when there is none: an undo journal keeps it
  // rather than a ProductState, at a quarter of the size, and gives it back to
  // put_packed(), which erases the product for "".
  std::string packed(Id id) const;
  void put_packed(Id id, std::string_view record);

  // A copy that shares the chunks and slots with this one, for a snapshot written off the
  // catalog's thread: taking it copies a few hundred pointers, not the ~65 MB of records
  // (a deep copy paused the catalog 180 ms at a million products, and its freed pages
  // stayed in the process). The records of a chunk are never changed, only appended after
  // its `used`: each copy appends only to a head chunk it alone holds, and copies a block
  // of slots before it writes one the other still holds.
  ProductsById clone() const;

  size_t size() const { return size_; }
  // What the structure holds on the heap: slots, chunks (whole, free room and replaced
  // records too) and their bookkeeping.
  size_t bytes() const;

  // What deleting a category or a tag looks at, read without the strings.
  struct References {
    std::optional<Id> category_id;
    std::vector<Id> tag_ids;
  };
  // f(id, references) for every product, by ascending id. f may put or erase products.
  template <class F>
  void for_each_references(F f) const {
    References refs;
    Id end = static_cast<Id>(slots_.size() * slots_per_chunk);
    for (Id id = 0; id < end; ++id) {
      if (references(id, refs)) f(id, refs);
    }
  }

 private:
  // (chunk + 1) << 32 | the offset of the record in the chunk; 0 for no product.
  using Slot = uint64_t;
  static constexpr size_t slots_per_chunk = 4096;
  using SlotChunk = std::array<Slot, slots_per_chunk>;

  // A record is its id and its length as varints, then the packed product: the id lets
  // compaction walk a chunk and ask each record's slot whether it is still the current one.
  struct Chunk {
    std::shared_ptr<char[]> data;  // null: free, its index waits in free_chunks_
    size_t capacity = 0;
    size_t used = 0;
    size_t garbage = 0;  // of `used`, in records no slot points at
  };

  Slot slot(Id id) const {
    if (id < 0 || static_cast<size_t>(id) >= slots_.size() * slots_per_chunk) return 0;
    return (*slots_[static_cast<size_t>(id) / slots_per_chunk])[id % slots_per_chunk];
  }
  Slot& slot_for_writing(Id id);
  std::string_view payload(Slot s) const;
  bool references(Id id, References& out) const;
  void set(Id id, std::string_view record);
  Slot append(Id id, std::string_view record);
  void drop(Slot s);
  size_t new_chunk(size_t capacity);
  void free_chunk(size_t c);
  void compact();
  void evacuate(size_t c);

  ProductsById(const ProductsById&) = default;  // clone(): shares what it points to
  // Whether another copy holds `p` too; if not, what that copy did before it let go of it
  // happened before what follows.
  template <class T>
  static bool shared(const std::shared_ptr<T>& p) {
    if (p.use_count() > 1) return true;
    std::atomic_thread_fence(std::memory_order_acquire);
    return false;
  }

  size_t chunk_bytes_;
  std::vector<std::shared_ptr<SlotChunk>> slots_;
  size_t size_ = 0;
  std::vector<Chunk> chunks_;
  std::vector<size_t> free_chunks_;
  std::optional<size_t> head_;  // the chunk records are appended to
  size_t stored_ = 0;           // bytes used in chunks_
  size_t garbage_ = 0;          // of them, in replaced or erased records
};

}  // namespace catalog::events
