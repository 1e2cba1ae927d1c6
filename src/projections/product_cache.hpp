// Products as GET /products/{id} renders them, kept after a first read so that the next one
// neither opens a read transaction nor renders again: that was most of the work of the
// busiest route.
//
// Never stale for a client: the projector takes a product out *before* it commits a change
// to it (every product, when a category or tag is renamed or deleted), and no entry goes in
// while a commit is under way or from a reader whose snapshot is older than the last commit.
// So once a change is acknowledged, the cache holds the product as changed or not at all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "events/event.hpp"

namespace catalog::projections {

struct CachedProduct {
  std::string json;      // the response body
  int64_t version = 0;   // the ETag
  int64_t position = 0;  // the checkpoint of the snapshot it was read in
};

class ProductCache {
 public:
  static constexpr size_t default_capacity = 16'384;  // about 8 MB at most

  explicit ProductCache(size_t capacity = default_capacity) : capacity_(capacity) {}

  // The projector, before it commits changes to these products (to every product when
  // `everything`): they go, and nothing goes in until after_commit().
  void before_commit(const std::vector<events::Id>& products, bool everything);
  // The projector, after a commit brought the tables to `position`; -1 after one failed
  // (nothing goes in until the next commit).
  void after_commit(int64_t position);

  std::shared_ptr<const CachedProduct> find(events::Id id) const;
  // For a reader whose snapshot is at `position`: each product kept as it was then, null
  // where there is none. One kept since a later commit may differ from the snapshot's row.
  std::vector<std::shared_ptr<const CachedProduct>> find_as_of(const std::vector<events::Id>& ids,
                                                               int64_t position) const;
  // Keeps what a reader rendered at `product->position`, if no commit came since.
  void insert(events::Id id, std::shared_ptr<const CachedProduct> product);
  size_t size() const;

 private:
  size_t capacity_;
  mutable std::shared_mutex mutex_;
  int64_t position_ = -1;
  bool committing_ = false;
  std::unordered_map<events::Id, std::shared_ptr<const CachedProduct>> entries_;
};

}  // namespace catalog::projections
