// The filters of GET /products/ that an index serves: a name of three characters or more
// (the trigram index products_search) and tags (product_tags_by_tag). Each index gives its
// product ids in ascending order, and they are merged here, in memory. Written as two
// `p.id IN (SELECT ...)` conditions instead, SQLite built an ephemeral index of each for
// every statement: at a million products, 83,333 names and 59,106 tagged rows, about 100 ms
// for one count.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/sqlite.hpp"
#include "events/event.hpp"
#include "projections/product_filter.hpp"

namespace catalog::projections {

// Whether a case-folded name filter is looked up in the trigram index rather than scanned:
// three characters or more, and no NUL (FTS5 ends a phrase there and refuses the query).
bool name_is_indexed(std::string_view folded);

// The ids, ascending, of the products whose folded name contains `folded`, from the trigram
// index; `folded` must be name_is_indexed().
std::vector<events::Id> named_ids(db::Connection& db, const std::string& folded);

// The ids as one JSON array, bound to `IN (SELECT value FROM json_each(?))`.
std::string id_list(const std::vector<events::Id>& ids);

// Two ascending id lists merged: their intersection if `both`, else their union.
std::vector<events::Id> merge_ids(const std::vector<events::Id>& a,
                                  const std::vector<events::Id>& b, bool both);

// The ids, ascending, of the products that the filter's indexed conditions allow; nullopt
// when it has none. The other conditions (category, prices, a short name) are not applied.
std::optional<std::vector<events::Id>> indexed_candidates(db::Connection& db,
                                                          const ProductFilter& filter);

}  // namespace catalog::projections
