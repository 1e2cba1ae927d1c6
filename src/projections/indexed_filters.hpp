// The filters of GET /products/ that an index serves, for the SQL that answers what the
// filter index does not: a name (the names in memory, name_search.hpp) and tags
// (product_tags_by_tag). Each index gives its product ids in ascending order, and they are
// merged here, in memory. Written as two
// `p.id IN (SELECT ...)` conditions instead, SQLite built an ephemeral index of each for
// every statement: at a million products, 83,333 names and 59,106 tagged rows, about 100 ms
// for one count.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/sqlite.hpp"
#include "events/event.hpp"
#include "projections/product_filter.hpp"

namespace catalog::projections {

// The ids as one JSON array, bound to `IN (SELECT value FROM json_each(?))`.
std::string id_list(const std::vector<events::Id>& ids);

// Two ascending id lists merged: their intersection if `both`, else their union.
std::vector<events::Id> merge_ids(const std::vector<events::Id>& a,
                                  const std::vector<events::Id>& b, bool both);

// The ids, ascending, of the products that the filter's indexed conditions allow; nullopt
// when it has none. `named`: the ids whose names match the filter's, if the index gave them
// (the SQL scans the name otherwise). The other conditions (category, prices) are not
// applied.
std::optional<std::vector<events::Id>> indexed_candidates(db::Connection& db,
                                                          const ProductFilter& filter,
                                                          const std::vector<events::Id>* named);

}  // namespace catalog::projections
