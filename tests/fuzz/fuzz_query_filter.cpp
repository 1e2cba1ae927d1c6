// libFuzzer target: a query string through the parser of GET /products/ and the filter it
// gives through the read model, by SQL and through the filter index, checking each page
// against the filter.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "check.hpp"
#include "db/sqlite.hpp"
#include "http/product_filter_parser.hpp"
#include "http/query_string.hpp"
#include "projections/filter_index.hpp"
#include "projections/read_model.hpp"
#include "seeded_catalog.hpp"
#include "text/casefold.hpp"

namespace {

using namespace catalog;

using fuzz::check;
using projections::ProductFilter;
using projections::SortKey;

void check_filter(const ProductFilter& f) {
  check(f.limit >= 1 && f.limit <= 1000, "limit outside 1..1000");
  check(f.skip >= 0, "skip below 0");
  for (size_t i = 1; i < f.tag_ids.size(); ++i)
    check(f.tag_ids[i - 1] < f.tag_ids[i], "tag_ids are not ascending and unique");
  for (const auto& bound :
       {f.min_price_shmeckles, f.max_price_shmeckles, f.min_price_flurbos, f.max_price_flurbos}) {
    check(!bound || std::isfinite(*bound), "a price bound is not finite");
  }
  check(!f.name || !f.name->empty(), "an empty name filter");
  check(!f.name || text::valid_utf8(*f.name), "a name filter is not valid UTF-8");
}

bool has_tag(const events::ProductView& p, events::Id tag) {
  return std::any_of(p.tags.begin(), p.tags.end(), [&](const auto& t) { return t.id == tag; });
}

bool within(double value, std::optional<double> min, std::optional<double> max) {
  return (!min || value >= *min) && (!max || value <= *max);
}

// The filter as API.md states it, in plain C++: the oracle the SQL is checked against.
bool matches(const ProductFilter& f, const events::ProductView& p) {
  if (f.name && text::fold(p.name).find(text::fold(*f.name)) == std::string::npos) return false;
  if (f.category_id && !(p.category && p.category->id == *f.category_id)) return false;
  if (!f.tag_ids.empty()) {
    auto tagged = [&](events::Id tag) { return has_tag(p, tag); };
    bool ok = f.all_tags ? std::all_of(f.tag_ids.begin(), f.tag_ids.end(), tagged)
                         : std::any_of(f.tag_ids.begin(), f.tag_ids.end(), tagged);
    if (!ok) return false;
  }
  return within(p.price_shmeckles, f.min_price_shmeckles, f.max_price_shmeckles) &&
         within(p.price_flurbos, f.min_price_flurbos, f.max_price_flurbos);
}

// -1, 0 or 1 as `a` sorts before, with or after `b` by the key alone.
int compare_key(SortKey key, const events::ProductView& a, const events::ProductView& b) {
  auto order = [](const auto& x, const auto& y) { return x < y ? -1 : (y < x ? 1 : 0); };
  switch (key) {
    case SortKey::id:
      return order(a.id, b.id);
    case SortKey::name:
      // The column holds the folded name and SQLite compares text bytewise.
      return order(text::fold(a.name), text::fold(b.name));
    case SortKey::price_shmeckles:
      return order(a.price_shmeckles, b.price_shmeckles);
    case SortKey::price_flurbos:
      return order(a.price_flurbos, b.price_flurbos);
    case SortKey::created_at:
      return order(a.created_at, b.created_at);
    case SortKey::updated_at:
      return order(a.updated_at, b.updated_at);
  }
  return 0;
}

// Every product of the seeded catalog, read one by one through the single-product query,
// which shares no SQL with the list under test.
const std::vector<events::ProductView>& all_products() {
  static const std::vector<events::ProductView> all = [] {
    projections::ReadModel reads(fuzz::seeded_catalog().reads().get());
    std::vector<events::ProductView> out;
    for (events::Id id = 1; id <= 20; ++id) {
      if (auto p = reads.product(id)) out.push_back(std::move(*p));
    }
    return out;
  }();
  return all;
}

// The in-memory index the server counts its filtered lists with, read once from the seed.
projections::FilterIndex& filter_index() {
  static projections::FilterIndex index;
  if (!index.loaded()) index.load(fuzz::seeded_catalog().reads().get());
  return index;
}

// The ids of the page the filter asks for: matches, sorted by the key either way with ties
// by ascending id, then the slice [skip, skip + limit).
std::vector<events::Id> expected_page(const ProductFilter& f, int64_t& total) {
  std::vector<events::ProductView> found;
  for (const auto& p : all_products()) {
    if (matches(f, p)) found.push_back(p);
  }
  std::sort(found.begin(), found.end(), [&](const auto& a, const auto& b) {
    int by_key = compare_key(f.sort, a, b);
    if (f.descending) by_key = -by_key;
    return by_key < 0 || (by_key == 0 && a.id < b.id);
  });
  total = static_cast<int64_t>(found.size());
  std::vector<events::Id> ids;
  for (int64_t i = f.skip; i < total && i - f.skip < f.limit; ++i)
    ids.push_back(found[static_cast<size_t>(i)].id);
  return ids;
}

void check_page(const ProductFilter& f, const projections::ProductPage& page) {
  check(page.total >= static_cast<int64_t>(page.items.size()), "total below the page's size");
  check(static_cast<int64_t>(page.items.size()) <= f.limit, "more items than limit");
  int64_t total = 0;
  std::vector<events::Id> want = expected_page(f, total);
  check(page.total == total, "X-Total-Count is not the number of matching products");
  std::vector<events::Id> got;
  for (const auto& p : page.items)
    got.push_back(p.id);
  check(got == want, "the page is not the matching products in the order asked for");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  all_products();
  filter_index();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto params = http::parse_query_string(raw);
  for (const auto& [name, value] : params) {
    check(text::valid_utf8(name) && text::valid_utf8(value),
          "a decoded query parameter is not valid UTF-8");
  }
  auto parsed = http::parse_product_filter(params);
  auto* filter = std::get_if<ProductFilter>(&parsed);
  if (!filter) {
    check(!std::get<http::FieldErrors>(parsed).empty(), "a refused filter without errors");
    return 0;
  }
  check_filter(*filter);
  projections::ReadModel reads(fuzz::seeded_catalog().reads().get());
  check_page(*filter, reads.products(*filter));
  projections::ReadModel indexed(fuzz::seeded_catalog().reads().get(), &filter_index());
  check_page(*filter, indexed.products(*filter));
  return 0;
}
