#include "projections/product_query.hpp"

#include <nlohmann/json.hpp>

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

// The text as one FTS5 phrase: inside double quotes, with its own quotes doubled, so no
// character of it is read as query syntax.
std::string fts_phrase(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

ProductQuery build_product_query(const ProductFilter& f) {
  std::string where;
  auto add = [&where](std::string_view condition) {
    where += where.empty() ? "WHERE " : " AND ";
    where += condition;
  };
  std::string folded = f.name ? text::fold(*f.name) : std::string();
  // Three characters or more: the trigram index finds the candidates. Shorter: a scan.
  // FTS5 ends a phrase at a NUL and then refuses the query, so a name with one (JSON
  // allows "\u0000") is scanned too: rare, and still found.
  bool indexed = f.name && text::length(folded) >= 3 && folded.find('\0') == std::string::npos;
  if (f.name) {
    add(indexed ? "p.id IN (SELECT rowid FROM products_search WHERE products_search MATCH ?)"
                : "instr(p.name_folded, ?) > 0");
  }
  if (f.category_id) add("p.category_id = ?");
  if (!f.tag_ids.empty()) {
    if (f.all_tags) {
      add("(SELECT count(*) FROM product_tags pt WHERE pt.product_id = p.id "
          "AND pt.tag_id IN (SELECT value FROM json_each(?))) = ?");
    } else {
      add("p.id IN (SELECT pt.product_id FROM product_tags pt "
          "WHERE pt.tag_id IN (SELECT value FROM json_each(?)))");
    }
  }
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

  std::string tags = nlohmann::json(f.tag_ids).dump();
  std::string needle = indexed ? fts_phrase(folded) : folded;
  q.bind_filters = [f, needle = std::move(needle), tags = std::move(tags)](db::Statement& s) {
    int i = 1;
    if (f.name) s.bind(i++, needle);
    if (f.category_id) s.bind(i++, *f.category_id);
    if (!f.tag_ids.empty()) {
      s.bind(i++, tags);
      if (f.all_tags) s.bind(i++, static_cast<int64_t>(f.tag_ids.size()));
    }
    for (const auto& bound :
         {f.min_price_shmeckles, f.max_price_shmeckles, f.min_price_flurbos, f.max_price_flurbos}) {
      if (bound) s.bind(i++, *bound);
    }
    return i;
  };
  return q;
}

}  // namespace catalog::projections
