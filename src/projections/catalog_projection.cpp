#include "projections/catalog_projection.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "events/event.hpp"
#include "events/event_store.hpp"
#include "text/casefold.hpp"

namespace catalog::projections {

using namespace catalog::events;

namespace {

std::string_view table_of(Resource kind) {
  return kind == Resource::category ? "categories" : "tags";
}

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

using TagOp = FilterChanges::TagOp;

// An UPDATE of the columns this change sets and no others. SQLite deletes and reinserts the
// entry of every index whose column is named in SET, whether its value changed or not: one
// statement for every shape of change (each column set to itself unless flagged) rewrote
// the entries of the name and category indexes on every price change, a random page each,
// of the six WAL frames a PUT of a price cost at a million products. Each shape (at most 64)
// is prepared once and kept by the connection.
std::string product_update_sql(const ProductPatch& p) {
  std::string sql = "UPDATE products SET ";
  if (p.name) sql += "name = ?2, name_folded = ?3, ";
  if (p.description) sql += "description = ?4, ";
  if (p.image_url) sql += "image_url = ?5, ";
  if (p.price_shmeckles) sql += "price_shmeckles = ?6, ";
  if (p.price_flurbos) sql += "price_flurbos = ?7, ";
  if (p.category_id) sql += "category_id = ?8, ";
  sql += "version = ?9, updated_at = ?10 WHERE id = ?1";
  return sql;
}

void insert_tags(db::Connection& db, Id product, const std::vector<Id>& tags,
                 FilterChanges& changes) {
  auto& insert = db.cached("INSERT INTO product_tags (product_id, tag_id) VALUES (?, ?)");
  for (Id t : tags) {
    insert.bind(1, product).bind(2, t).run();
    changes.taggings.push_back({TagOp::add, t, product});
  }
}

void remove_tags(db::Connection& db, Id product, FilterChanges& changes) {
  db::Reset s(db.cached("DELETE FROM product_tags WHERE product_id = ? RETURNING tag_id"));
  s->bind(1, product);
  while (s->step())
    changes.taggings.push_back({TagOp::remove, s->int64(0), product});
}

}  // namespace

int64_t CatalogProjection::checkpoint() {
  db::Reset s(db_.cached("SELECT position FROM projection_checkpoints WHERE name = ?"));
  s->bind(1, name);
  return s->step() ? s->int64(0) : 0;
}

void CatalogProjection::set_checkpoint(int64_t position) {
  db_.cached(
         "INSERT INTO projection_checkpoints (name, position) VALUES (?, ?) "
         "ON CONFLICT (name) DO UPDATE SET position = excluded.position")
      .bind(1, name)
      .bind(2, position)
      .run();
}

void CatalogProjection::clear() {
  db_.exec(
      "DELETE FROM product_tags; DELETE FROM products; DELETE FROM tags; DELETE FROM categories;");
  db_.cached("DELETE FROM projection_checkpoints WHERE name = ?").bind(1, name).run();
}

void CatalogProjection::apply_batch(const std::vector<RecordedEvent>& batch) {
  if (batch.empty()) return;
  batch_changes_.clear();
  db::Transaction txn(db_);
  int64_t at = checkpoint();
  for (const auto& e : batch) {
    if (e.position != at + 1)
      throw std::logic_error("projection at " + std::to_string(at) + " cannot apply event " +
                             std::to_string(e.position));
    if (mirror_log_) EventStore(db_).append(e);
    apply(e);
    at = e.position;
  }
  set_checkpoint(at);
  if (before_commit_) before_commit_(batch_changes_);
  txn.commit();
  if (changes_) {
    changes_->products.insert(changes_->products.end(), batch_changes_.products.begin(),
                              batch_changes_.products.end());
    changes_->taggings.insert(changes_->taggings.end(), batch_changes_.taggings.begin(),
                              batch_changes_.taggings.end());
    changes_->names = changes_->names || batch_changes_.names;
  }
}

DecodedEvent CatalogProjection::decode(const RecordedEvent& rec) {
  DecodedEvent d{
      from_json(rec.type, nlohmann::json::parse(rec.data)), format_iso(rec.recorded_at), {}};
  std::visit(overloaded{
                 [&](const NamedCreated& e) { d.folded = text::fold(e.name); },
                 [&](const NamedRenamed& e) { d.folded = text::fold(e.name); },
                 [&](const ProductCreated& e) { d.folded = text::fold(e.fields.name); },
                 [&](const ProductUpdated& e) {
                   if (e.changes.name) d.folded = text::fold(*e.changes.name);
                 },
                 [](const auto&) {},
             },
             d.event);
  return d;
}

void CatalogProjection::apply(const RecordedEvent& rec) {
  apply(rec, decode(rec));
}

void CatalogProjection::apply(const RecordedEvent& rec, const DecodedEvent& decoded) {
  // Nobody reads the changes of events applied without record_changes() (replay applies
  // millions): keep one event's at most.
  if (!changes_) batch_changes_.clear();
  const std::string& at = decoded.at;
  const std::string& folded_name = decoded.folded;
  std::visit(
      overloaded{
          [&](const NamedCreated& e) {
            std::string sql = "INSERT INTO " + std::string(table_of(e.kind)) +
                              " (id, name, name_folded, version) VALUES (?, ?, ?, ?)";
            db_.cached(sql)
                .bind(1, e.id)
                .bind(2, e.name)
                .bind(3, folded_name)
                .bind(4, rec.version)
                .run();
          },
          [&](const NamedRenamed& e) {
            batch_changes_.names = true;
            std::string sql = "UPDATE " + std::string(table_of(e.kind)) +
                              " SET name = ?, name_folded = ?, version = ? WHERE id = ?";
            db_.cached(sql)
                .bind(1, e.name)
                .bind(2, folded_name)
                .bind(3, rec.version)
                .bind(4, e.id)
                .run();
          },
          [&](const NamedDeleted& e) {
            batch_changes_.names = true;
            if (e.kind == Resource::category) {
              db::Reset s(db_.cached(
                  "UPDATE products SET category_id = NULL WHERE category_id = ? RETURNING id"));
              s->bind(1, e.id);
              while (s->step())
                batch_changes_.products.push_back(s->int64(0));
            } else {
              db_.cached("DELETE FROM product_tags WHERE tag_id = ?").bind(1, e.id).run();
              batch_changes_.taggings.push_back({TagOp::drop_tag, e.id, 0});
            }
            std::string sql = "DELETE FROM " + std::string(table_of(e.kind)) + " WHERE id = ?";
            db_.cached(sql).bind(1, e.id).run();
          },
          [&](const ProductCreated& e) {
            const auto& f = e.fields;
            db_.cached(
                   "INSERT INTO products (id, name, name_folded, description, image_url, "
                   "price_shmeckles, price_flurbos, category_id, version, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .bind(1, e.id)
                .bind(2, f.name)
                .bind(3, folded_name)
                .bind(4, f.description)
                .bind(5, f.image_url)
                .bind(6, f.price_shmeckles)
                .bind(7, f.price_flurbos)
                .bind(8, f.category_id)
                .bind(9, rec.version)
                .bind(10, at)
                .bind(11, at)
                .run();
            insert_tags(db_, e.id, f.tag_ids, batch_changes_);  // a new id has no tags yet
            batch_changes_.products.push_back(e.id);
          },
          [&](const ProductUpdated& e) {
            const auto& p = e.changes;
            auto& s = db_.cached(product_update_sql(p));
            // The numbers are fixed by product_update_sql; only the fields it sets are bound.
            s.bind(1, e.id);
            if (p.name) s.bind(2, p.name).bind(3, folded_name);
            if (p.description) s.bind(4, *p.description);
            if (p.image_url) s.bind(5, *p.image_url);
            if (p.price_shmeckles) s.bind(6, p.price_shmeckles);
            if (p.price_flurbos) s.bind(7, p.price_flurbos);
            if (p.category_id) s.bind(8, *p.category_id);
            s.bind(9, rec.version).bind(10, at);
            s.run();
            if (p.tag_ids) {
              remove_tags(db_, e.id, batch_changes_);
              insert_tags(db_, e.id, *p.tag_ids, batch_changes_);
            }
            batch_changes_.products.push_back(e.id);
          },
          [&](const ProductDeleted& e) {
            remove_tags(db_, e.id, batch_changes_);
            db_.cached("DELETE FROM products WHERE id = ?").bind(1, e.id).run();
            batch_changes_.products.push_back(e.id);
          },
      },
      decoded.event);
}

}  // namespace catalog::projections
