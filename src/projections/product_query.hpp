// Turns a ProductFilter into SQL: the text is put together only from constant fragments
// chosen by which filters are present; every value the client sent is bound.
#pragma once

#include <functional>
#include <string>

#include "db/sqlite.hpp"
#include "projections/product_filter.hpp"

namespace catalog::projections {

struct ProductQuery {
  std::string where;           // "WHERE ..." over `products p` (or empty)
  std::string order_and_page;  // " ORDER BY ... LIMIT ? OFFSET ?"
  // Binds the filter values from index 1 on; returns the next free index.
  std::function<int(db::Statement&)> bind_filters;
};

ProductQuery build_product_query(const ProductFilter& filter);

}  // namespace catalog::projections
