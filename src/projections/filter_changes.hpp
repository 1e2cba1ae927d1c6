// What a batch of events changed of the products, recorded by the projection as it writes
// the tables: for the filter index (filter_index.hpp), once they are committed, and for the
// product cache (product_cache.hpp), before.
#pragma once

#include <vector>

#include "events/event.hpp"

namespace catalog::projections {

struct FilterChanges {
  enum class TagOp { add, remove, drop_tag };
  struct Tagging {
    TagOp op;
    events::Id tag;
    events::Id product;  // unused by drop_tag
  };

  // Products inserted, updated or deleted: the index reads their rows again after the commit.
  std::vector<events::Id> products;
  // Tag memberships in the order they were written, so that the last one wins.
  std::vector<Tagging> taggings;
  // A category or tag was renamed or deleted: any product may show it.
  bool names = false;

  void clear() {
    products.clear();
    taggings.clear();
    names = false;
  }
};

}  // namespace catalog::projections
