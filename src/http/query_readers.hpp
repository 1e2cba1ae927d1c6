// Typed readers of query parameters that record FastAPI's 422 errors (loc ["query", name])
// instead of throwing; every route with numeric parameters uses them.
#pragma once

#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "http/field_error.hpp"
#include "http/query_string.hpp"

namespace catalog::http {

// std::from_chars, unlike strtod and streams, never looks at the locale and never skips
// white space or a leading `+`: the whole text has to be the number.
template <class Number>
std::optional<Number> parse_number(std::string_view s) {
  Number value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// ["query", name]
nlohmann::json query_loc(std::string_view name);
FieldError not_an_integer(std::string_view name);

// The last value of `name` as an integer; nullopt when absent, and also (with an error
// recorded) when it is not an integer.
std::optional<int64_t> read_int(const QueryParams& params, std::string_view name,
                                FieldErrors& errors);

// An integer in [min, max]; `fallback` when it is absent or refused.
int64_t read_bounded_int(const QueryParams& params, std::string_view name, int64_t fallback,
                         int64_t min, int64_t max, FieldErrors& errors);

// A finite number; nullopt when absent or refused.
std::optional<double> read_float(const QueryParams& params, std::string_view name,
                                 FieldErrors& errors);

}  // namespace catalog::http
