#include "projections/indexed_filters.hpp"

#include <algorithm>
#include <iterator>

namespace catalog::projections {

using events::Id;

namespace {

std::vector<Id> column_of_ids(db::Statement& s) {
  std::vector<Id> ids;
  while (s.step())
    ids.push_back(s.int64(0));
  return ids;
}

std::vector<Id> tagged(db::Connection& db, Id tag) {
  db::Reset s(
      db.cached("SELECT product_id FROM product_tags WHERE tag_id = ? ORDER BY product_id"));
  s->bind(1, tag);
  return column_of_ids(*s);
}

}  // namespace

std::string id_list(const std::vector<Id>& ids) {
  std::string out = "[";
  for (Id id : ids) {
    if (out.size() > 1) out += ',';
    out += std::to_string(id);
  }
  out += ']';
  return out;
}

std::vector<Id> merge_ids(const std::vector<Id>& a, const std::vector<Id>& b, bool both) {
  std::vector<Id> out;
  if (both)
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  else
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::optional<std::vector<Id>> indexed_candidates(db::Connection& db, const ProductFilter& f,
                                                  const std::vector<Id>* named) {
  std::optional<std::vector<Id>> ids;
  if (named) ids = *named;
  if (!f.tag_ids.empty() && !(ids && ids->empty())) {
    std::vector<Id> with_tags = tagged(db, f.tag_ids.front());
    for (size_t i = 1; i < f.tag_ids.size(); ++i)
      with_tags = merge_ids(with_tags, tagged(db, f.tag_ids[i]), f.all_tags);
    ids = ids ? merge_ids(*ids, with_tags, true) : std::move(with_tags);
  }
  return ids;
}

}  // namespace catalog::projections
