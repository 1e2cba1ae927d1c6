#include "projections/product_query.hpp"

#include <stdexcept>

#include "projections/indexed_filters.hpp"
#include "text/casefold.hpp"

namespace catalog::projections {

namespace {

std::string_view sort_column(SortKey key) {
  switch (key) {
    case SortKey::id:
      return "p.id";
    case SortKey::name:
      return "p.name_folded";
    case SortKey::price_shmeckles:
      return "p.price_shmeckles";
    case SortKey::price_flurbos:
      return "p.price_flurbos";
    case SortKey::created_at:
      return "p.created_at";
    case SortKey::updated_at:
      return "p.updated_at";
  }
  return "p.id";
}

}  // namespace

ProductQuery build_product_query(const ProductFilter& f, const std::vector<events::Id>* candidates,
                                 bool name_in_candidates) {
  // indexed_candidates() gives candidates for every tag filter: none means a bug.
  if (!candidates && !f.tag_ids.empty())
    throw std::logic_error("a tag filter without its candidates");
  std::string where;
  auto add = [&where](std::string_view condition) {
    where += where.empty() ? "WHERE " : " AND ";
    where += condition;
  };
  // A name the candidates do not hold (the filter index was not at the reader's snapshot)
  // is scanned: every product's name is read.
  bool scan_name = f.name && !(candidates && name_in_candidates);
  if (candidates) add("p.id IN (SELECT value FROM json_each(?))");
  if (scan_name) add("instr(p.name_folded, ?) > 0");
  if (f.category_id) add("p.category_id = ?");
  if (f.min_price_shmeckles) add("p.price_shmeckles >= ?");
  if (f.max_price_shmeckles) add("p.price_shmeckles <= ?");
  if (f.min_price_flurbos) add("p.price_flurbos >= ?");
  if (f.max_price_flurbos) add("p.price_flurbos <= ?");

  ProductQuery q;
  q.where = std::move(where);
  q.order_and_page = " ORDER BY ";
  q.order_and_page += sort_column(f.sort);
  if (f.descending) q.order_and_page += " DESC";
  if (f.sort != SortKey::id) q.order_and_page += ", p.id";
  q.order_and_page += " LIMIT ? OFFSET ?";

  std::string ids = candidates ? id_list(*candidates) : std::string();
  std::string needle = scan_name ? text::fold(*f.name) : std::string();
  q.bind_filters = [f, needle = std::move(needle), ids = std::move(ids), candidates = !!candidates,
                    scan_name](db::Statement& s) {
    int i = 1;
    if (candidates) s.bind(i++, ids);
    if (scan_name) s.bind(i++, needle);
    if (f.category_id) s.bind(i++, *f.category_id);
    for (const auto& bound :
         {f.min_price_shmeckles, f.max_price_shmeckles, f.min_price_flurbos, f.max_price_flurbos}) {
      if (bound) s.bind(i++, *bound);
    }
    return i;
  };
  return q;
}

}  // namespace catalog::projections
