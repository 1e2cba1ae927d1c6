// The write model's products by id. The catalog gives ids 1, 2, 3, ... so they are slots of
// fixed-size chunks rather than nodes of a hash map, which cost about 40 bytes more per
// product in nodes and buckets: 40 MB of the write model at a million products. Chunks,
// not one vector, so that growing never holds a doubled copy.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "events/clock.hpp"
#include "events/event.hpp"

namespace catalog::events {

struct ProductState {
  ProductFields fields;
  int64_t version = 0;
  Millis created_at = 0;
  Millis updated_at = 0;
};

class ProductsById {
 public:
  const ProductState* find(Id id) const {
    if (id < 0 || static_cast<size_t>(id) >= chunks_.size() * chunk_size) return nullptr;
    const auto& slot = (*chunks_[static_cast<size_t>(id) / chunk_size])[id % chunk_size];
    return slot ? &*slot : nullptr;
  }
  ProductState* find(Id id) {
    return const_cast<ProductState*>(static_cast<const ProductsById*>(this)->find(id));
  }
  // Inserts or replaces; `id` must not be negative.
  void put(Id id, ProductState state) {
    auto at = static_cast<size_t>(id);
    while (chunks_.size() <= at / chunk_size)
      chunks_.push_back(std::make_unique<Chunk>());
    auto& slot = (*chunks_[at / chunk_size])[at % chunk_size];
    size_ += !slot;
    slot = std::move(state);
  }
  void erase(Id id) {
    if (!find(id)) return;
    (*chunks_[static_cast<size_t>(id) / chunk_size])[id % chunk_size].reset();
    --size_;
  }
  size_t size() const { return size_; }
  // f(id, state) for every product, by ascending id.
  template <class F>
  void for_each(F f) {
    for (size_t c = 0; c < chunks_.size(); ++c) {
      for (size_t k = 0; k < chunk_size; ++k) {
        if (auto& slot = (*chunks_[c])[k]) f(static_cast<Id>(c * chunk_size + k), *slot);
      }
    }
  }

 private:
  static constexpr size_t chunk_size = 4096;
  using Chunk = std::array<std::optional<ProductState>, chunk_size>;
  std::vector<std::unique_ptr<Chunk>> chunks_;
  size_t size_ = 0;
};

}  // namespace catalog::events
