#include "projections/read_model.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "projections/catalog_projection.hpp"
#include "projections/indexed_filters.hpp"
#include "projections/product_query.hpp"
#include "text/casefold.hpp"

namespace catalog::projections {

using namespace catalog::events;

namespace {

std::string named_select(Resource kind) {
  return std::string("SELECT id, name, version FROM ") +
         (kind == Resource::category ? "categories" : "tags");
}

constexpr std::string_view product_columns =
    "SELECT p.id, p.name, p.description, p.image_url, p.price_shmeckles, p.price_flurbos, "
    "p.version, p.created_at, p.updated_at, c.id, c.name, c.version "
    "FROM products p LEFT JOIN categories c ON c.id = p.category_id ";

ProductView product_row(const db::Statement& s) {
  ProductView v;
  v.id = s.int64(0);
  v.name = s.text(1);
  v.description = s.opt_text(2);
  v.image_url = s.opt_text(3);
  v.price_shmeckles = s.real(4);
  v.price_flurbos = s.real(5);
  v.version = s.int64(6);
  v.created_at = parse_iso(s.text_view(7)).value_or(0);
  v.updated_at = parse_iso(s.text_view(8)).value_or(0);
  if (!s.is_null(9)) v.category = NamedView{s.int64(9), s.text(10), s.int64(11)};
  return v;
}

// Which rows a statement reads for a set of ids: those of their range when the ids fill at
// least half of it (SQLite walks the primary key once, without parsing a JSON list or
// building an index of it), else the ids as one bound JSON list.
class IdSelection {
 public:
  explicit IdSelection(const std::vector<Id>& ids) : ids_(ids) {  // ids: not empty
    auto [lo, hi] = std::minmax_element(ids.begin(), ids.end());
    lo_ = *lo;
    hi_ = *hi;
    range_ = hi_ - lo_ < 2 * static_cast<Id>(ids.size());
  }

  // The condition on `column`, with its parameters from index 1.
  std::string where(std::string_view column) const {
    return std::string(column) +
           (range_ ? " BETWEEN ? AND ?" : " IN (SELECT value FROM json_each(?))");
  }
  void bind(db::Statement& s) const {
    if (range_)
      s.bind(1, lo_).bind(2, hi_);
    else
      s.bind(1, id_list(ids_));
  }

 private:
  const std::vector<Id>& ids_;
  Id lo_ = 0;
  Id hi_ = 0;
  bool range_ = false;
};

// Fills in the tags of a page of products with one query.
void attach_tags(db::Connection& db, std::vector<ProductView>& items) {
  if (items.empty()) return;
  std::vector<Id> ids;
  std::unordered_map<Id, ProductView*> by_id;
  for (auto& v : items) {
    ids.push_back(v.id);
    by_id[v.id] = &v;
  }
  IdSelection selection(ids);
  // Ordered by the primary key (product, tag): the response's order, so SQLite needs no sort.
  db::Reset s(
      db.cached("SELECT pt.product_id, t.id, t.name, t.version FROM product_tags pt "
                "JOIN tags t ON t.id = pt.tag_id WHERE " +
                selection.where("pt.product_id") + " ORDER BY pt.product_id, pt.tag_id"));
  selection.bind(*s);
  while (s->step()) {
    auto it = by_id.find(s->int64(0));
    if (it != by_id.end())
      it->second->tags.push_back(NamedView{s->int64(1), s->text(2), s->int64(3)});
  }
}

}  // namespace

// The read transaction of one answer: the thread's kept snapshot, or a deferred one of its
// own that done() commits.
class ReadModel::Reading {
 public:
  explicit Reading(ReadModel& model) {
    if (model.reads_) {
      kept_.emplace(model.reads_->snapshot());
      model.db_ = &kept_->db();
    } else {
      own_.emplace(*model.db_, db::Transaction::Kind::deferred);
    }
  }
  void done() {
    if (own_) own_->commit();
  }

 private:
  std::optional<db::ThreadConnections::Snapshot> kept_;
  std::optional<db::Transaction> own_;
};

// The connection for the queries outside product() and products(): with kept snapshots, the
// thread's connection, its kept snapshot ended.
db::Connection& ReadModel::db() {
  if (reads_) db_ = &reads_->get();
  return *db_;
}

std::vector<NamedView> ReadModel::list_named(Resource kind) {
  db::Reset s(db().cached(named_select(kind) + " ORDER BY id"));
  std::vector<NamedView> out;
  while (s->step())
    out.push_back(NamedView{s->int64(0), s->text(1), s->int64(2)});
  return out;
}

std::optional<NamedView> ReadModel::named(Resource kind, Id id) {
  db::Reset s(db().cached(named_select(kind) + " WHERE id = ?"));
  s->bind(1, id);
  if (!s->step()) return std::nullopt;
  return NamedView{s->int64(0), s->text(1), s->int64(2)};
}

std::optional<ProductView> ReadModel::product(Id id, int64_t* position) {
  static const std::string by_id = std::string(product_columns) + "WHERE p.id = ?";
  // One product: its tags by the primary key, not through the page query's json_each.
  static const std::string tags_of =
      "SELECT t.id, t.name, t.version FROM product_tags pt JOIN tags t ON t.id = pt.tag_id "
      "WHERE pt.product_id = ? ORDER BY t.id";
  std::optional<ProductView> v;
  // One snapshot for the row and its tags: consistent across a commit between the two, and
  // one WAL read lock (two fcntl calls) for both rather than one per statement.
  Reading reading(*this);
  if (position) *position = CatalogProjection(*db_).checkpoint();
  {
    db::Reset s(db_->cached(by_id));
    s->bind(1, id);
    if (s->step()) v = product_row(*s);
  }
  if (v) {
    db::Reset s(db_->cached(tags_of));
    s->bind(1, id);
    while (s->step())
      v->tags.push_back(NamedView{s->int64(0), s->text(1), s->int64(2)});
  }
  reading.done();
  return v;
}

std::optional<Id> ReadModel::named_id(Resource kind, std::string_view name) {
  db::Reset s(db().cached(named_select(kind) + " WHERE name_folded = ? ORDER BY id LIMIT 1"));
  s->bind(1, text::fold(name));
  if (!s->step()) return std::nullopt;
  return s->int64(0);
}

std::optional<Id> ReadModel::product_id(std::string_view name) {
  db::Reset s(db().cached("SELECT id FROM products WHERE name = ? ORDER BY id LIMIT 1"));
  s->bind(1, name);
  if (!s->step()) return std::nullopt;
  return s->int64(0);
}

// Inside the caller's transaction, whose snapshot holds the checkpoint `at`.
std::optional<ProductPage> ReadModel::indexed_products(const ProductFilter& filter, int64_t at) {
  auto indexed = filters_->page(filter, at);
  if (!indexed) return std::nullopt;
  ProductPage page;
  page.total = indexed->total;
  page.position = at;
  std::vector<Id> ids = std::move(indexed->ids);
  if (products_) {
    page.kept = products_->find_as_of(ids, at);
    std::vector<Id> missing;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (!page.kept[i]) missing.push_back(ids[i]);
    }
    ids = std::move(missing);
  }
  if (!ids.empty()) {
    IdSelection selection(ids);
    db::Reset s(db_->cached(std::string(product_columns) + "WHERE " + selection.where("p.id")));
    selection.bind(*s);
    // The rows come in id order, and a range also holds ids between the page's; the page has
    // its own order (descending, or by a price).
    std::unordered_map<Id, size_t> rank;
    for (size_t i = 0; i < ids.size(); ++i)
      rank.emplace(ids[i], i);
    std::vector<std::optional<ProductView>> rows(ids.size());
    while (s->step()) {
      if (auto it = rank.find(s->int64(0)); it != rank.end()) rows[it->second] = product_row(*s);
    }
    for (auto& row : rows) {
      if (row) page.items.push_back(std::move(*row));
    }
  }
  attach_tags(*db_, page.items);
  return page;
}

ProductPage ReadModel::products(const ProductFilter& filter) {
  for (int attempt = 1;; ++attempt) {
    // The candidates, the count and the page are read in one transaction, so X-Total-Count
    // matches the page.
    Reading reading(*this);
    std::optional<std::vector<Id>> named;
    // The index says itself whether it serves the filter: asking first folded the name twice.
    if (filters_) {
      // The first read of the transaction fixes its snapshot; the index answers only for the
      // checkpoint that snapshot holds.
      int64_t at = CatalogProjection(*db_).checkpoint();
      if (auto page = indexed_products(filter, at)) {
        reading.done();
        return std::move(*page);
      }
      // The projector committed and moved the index between this snapshot and the index's
      // check: a fresh snapshot most likely meets it (a kept one is out of date by then).
      if (attempt < 3 && filters_->position() > at) continue;
      // Sorted by name or a time, the SQL orders the page, and the index may still give the
      // names (a filter it serves has already missed the snapshot: no second wait). Only a
      // few: at a million products, bound as an IN list, 83,000 ids took 160 ms and a
      // million 600, where the SQL's own scan of the name index took 85-100 ms.
      if (filter.name && !FilterIndex::serves(filter)) {
        named = filters_->named(text::fold(*filter.name), at);
        if (named && named->size() > max_listed_names) named.reset();
      }
    }
    ProductPage page = queried_products(filter, named);
    reading.done();
    return page;
  }
}

// Inside the caller's transaction: the SQL, for what the filter index does not answer.
// `named`: the ids of the filter's name, if the index gave them for this snapshot.
ProductPage ReadModel::queried_products(const ProductFilter& filter,
                                        const std::optional<std::vector<Id>>& named) {
  ProductPage page;
  auto candidates = indexed_candidates(*db_, filter, named ? &*named : nullptr);
  if (candidates && candidates->empty()) return page;
  ProductQuery q =
      build_product_query(filter, candidates ? &*candidates : nullptr, named.has_value());
  {
    db::Reset s(db_->cached("SELECT count(*) FROM products p " + q.where));
    q.bind_filters(*s);
    s->step();
    page.total = s->int64(0);
  }
  if (page.total > filter.skip) {
    db::Reset s(db_->cached(std::string(product_columns) + q.where + q.order_and_page));
    int next = q.bind_filters(*s);
    s->bind(next, filter.limit).bind(next + 1, filter.skip);
    while (s->step())
      page.items.push_back(product_row(*s));
  }
  attach_tags(*db_, page.items);
  return page;
}

}  // namespace catalog::projections
