// What a batch of events changed that the filter index (filter_index.hpp) holds, recorded by
// the projection as it writes the tables and applied to the index once they are committed.
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

  bool empty() const { return products.empty() && taggings.empty(); }
  void clear() {
    products.clear();
    taggings.clear();
  }
};

}  // namespace catalog::projections
