#include "http/product_filter_parser.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "http/query_readers.hpp"

namespace catalog::http {

namespace {

using json = nlohmann::json;
using projections::SortKey;

constexpr int64_t kMaxLimit = 1000;
constexpr int64_t kDefaultLimit = 100;

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "1,2,2" gives [1, 2]; the syntax is the FastAPI app's regex, and so is its error.
std::vector<events::Id> read_tag_ids(const QueryParams& params, FieldErrors& errors) {
  auto raw = last(params, "tag_ids");
  if (!raw) return {};
  std::vector<events::Id> ids;
  std::string_view rest = *raw;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view part = rest.substr(0, comma);
    if (!all_digits(part)) {
      errors.push_back({query_loc("tag_ids"), R"(string does not match regex "^\d+(,\d+)*$")",
                        "value_error.str.regex"});
      return {};
    }
    auto id = parse_number<events::Id>(part);
    if (!id) {
      errors.push_back(
          {query_loc("tag_ids"), "value is not a valid integer", "type_error.integer"});
      return {};
    }
    ids.push_back(*id);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// tag_match: "any" (the default) or "all"; true for "all".
bool read_all_tags(const QueryParams& params, FieldErrors& errors) {
  auto raw = last(params, "tag_match");
  if (!raw || *raw == "any") return false;
  if (*raw == "all") return true;
  errors.push_back({query_loc("tag_match"),
                    "value is not a valid enumeration member; permitted: 'any', 'all'",
                    "type_error.enum"});
  return false;
}

constexpr std::array<std::pair<std::string_view, SortKey>, 6> kSortKeys{{
    {"id", SortKey::id},
    {"name", SortKey::name},
    {"price_shmeckles", SortKey::price_shmeckles},
    {"price_flurbos", SortKey::price_flurbos},
    {"created_at", SortKey::created_at},
    {"updated_at", SortKey::updated_at},
}};

// sort: a key, or `-` and a key for descending order.
void read_sort(const QueryParams& params, projections::ProductFilter& filter, FieldErrors& errors) {
  auto raw = last(params, "sort");
  if (!raw) return;
  std::string_view key = *raw;
  bool descending = key.starts_with('-');
  if (descending) key.remove_prefix(1);
  auto it = std::find_if(kSortKeys.begin(), kSortKeys.end(),
                         [&](const auto& entry) { return entry.first == key; });
  if (it == kSortKeys.end()) {
    errors.push_back({query_loc("sort"),
                      "value is not a valid enumeration member; permitted: 'id', 'name', "
                      "'price_shmeckles', 'price_flurbos', 'created_at', 'updated_at', each "
                      "optionally prefixed with '-' for descending order",
                      "type_error.enum"});
    return;
  }
  filter.sort = it->second;
  filter.descending = descending;
}

}  // namespace

std::variant<projections::ProductFilter, FieldErrors> parse_product_filter(
    const QueryParams& params) {
  projections::ProductFilter filter;
  FieldErrors errors;
  // Read in the order of the FastAPI route's parameters, so errors come in its order too.
  if (auto name = last(params, "name"); name && !name->empty()) filter.name = std::move(*name);
  filter.category_id = read_int(params, "category_id", errors);
  filter.tag_ids = read_tag_ids(params, errors);
  filter.all_tags = read_all_tags(params, errors);
  filter.min_price_shmeckles = read_float(params, "min_price_shmeckles", errors);
  filter.max_price_shmeckles = read_float(params, "max_price_shmeckles", errors);
  filter.min_price_flurbos = read_float(params, "min_price_flurbos", errors);
  filter.max_price_flurbos = read_float(params, "max_price_flurbos", errors);
  filter.skip = read_bounded_int(params, "skip", 0, 0, std::numeric_limits<int64_t>::max(), errors);
  filter.limit = read_bounded_int(params, "limit", kDefaultLimit, 1, kMaxLimit, errors);
  read_sort(params, filter, errors);
  if (!errors.empty()) return errors;
  return filter;
}

}  // namespace catalog::http
