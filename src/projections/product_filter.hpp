// The filters, sort and paging of `GET /products/`, as parsed from the query string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "events/event.hpp"

namespace catalog::projections {

enum class SortKey { id, name, price_shmeckles, price_flurbos, created_at, updated_at };

struct ProductFilter {
  std::optional<std::string> name;  // substring, compared case-folded; never empty
  std::optional<events::Id> category_id;
  std::vector<events::Id> tag_ids;  // ascending, no duplicates; empty: no tag filter
  bool all_tags = false;            // tag_match=all
  std::optional<double> min_price_shmeckles;
  std::optional<double> max_price_shmeckles;
  std::optional<double> min_price_flurbos;
  std::optional<double> max_price_flurbos;
  int64_t skip = 0;
  int64_t limit = 100;
  SortKey sort = SortKey::id;
  bool descending = false;
};

}  // namespace catalog::projections
