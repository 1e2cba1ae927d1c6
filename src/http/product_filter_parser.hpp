// The query string of `GET /products/` read into a ProductFilter, refused with FastAPI's
// 422 errors (loc ["query", <param>]) when a parameter does not parse or is out of range.
#pragma once

#include <variant>

#include "http/field_error.hpp"
#include "http/query_string.hpp"
#include "projections/product_filter.hpp"

namespace catalog::http {

// Unknown parameters are ignored; a repeated one counts by its last value, as in FastAPI.
std::variant<projections::ProductFilter, FieldErrors> parse_product_filter(
    const QueryParams& params);

}  // namespace catalog::http
