// Turns a ProductFilter into SQL: the text is put together only from constant fragments
// chosen by which filters are present; every value the client sent is bound.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "db/sqlite.hpp"
#include "events/event.hpp"
#include "projections/product_filter.hpp"

namespace catalog::projections {

struct ProductQuery {
  std::string where;           // "WHERE ..." over `products p` (or empty)
  std::string order_and_page;  // " ORDER BY ... LIMIT ? OFFSET ?"
  // Binds the filter values from index 1 on; returns the next free index.
  std::function<int(db::Statement&)> bind_filters;
};

// `candidates`: the ids that indexed_candidates() gave for this filter, or null if it gave
// none; the query then covers the filter's other conditions over them. `name_in_candidates`:
// the candidates hold the name filter (else the query scans the names).
ProductQuery build_product_query(const ProductFilter& filter,
                                 const std::vector<events::Id>* candidates,
                                 bool name_in_candidates);

}  // namespace catalog::projections
