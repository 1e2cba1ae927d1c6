#include "http/query_readers.hpp"

#include <cmath>
#include <string>

namespace catalog::http {

nlohmann::json query_loc(std::string_view name) {
  return nlohmann::json::array({"query", name});
}

FieldError not_an_integer(std::string_view name) {
  return {query_loc(name), "value is not a valid integer", "type_error.integer"};
}

std::optional<int64_t> read_int(const QueryParams& params, std::string_view name,
                                FieldErrors& errors) {
  auto raw = last(params, name);
  if (!raw) return std::nullopt;
  auto value = parse_number<int64_t>(*raw);
  if (!value) errors.push_back(not_an_integer(name));
  return value;
}

// An integer in [min, max]; `fallback` when it is absent or refused.
int64_t read_bounded_int(const QueryParams& params, std::string_view name, int64_t fallback,
                         int64_t min, int64_t max, FieldErrors& errors) {
  auto value = read_int(params, name, errors);
  if (!value) return fallback;
  if (*value < min) {
    errors.push_back({query_loc(name),
                      "ensure this value is greater than or equal to " + std::to_string(min),
                      "value_error.number.not_ge"});
    return fallback;
  }
  if (*value > max) {
    errors.push_back({query_loc(name),
                      "ensure this value is less than or equal to " + std::to_string(max),
                      "value_error.number.not_le"});
    return fallback;
  }
  return *value;
}

std::optional<double> read_float(const QueryParams& params, std::string_view name,
                                 FieldErrors& errors) {
  auto raw = last(params, name);
  if (!raw) return std::nullopt;
  auto value = parse_number<double>(*raw);
  // from_chars reads "nan" and "inf", which bound nothing.
  if (!value || !std::isfinite(*value)) {
    errors.push_back({query_loc(name), "value is not a valid float", "type_error.float"});
    return std::nullopt;
  }
  return value;
}

}  // namespace catalog::http
