// The catalog's write model: the state that commands are decided against, folded from the
// event log (`apply` is the evolve step). It keeps only what decisions and answers need,
// in memory, owned by the catalog actor.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "events/clock.hpp"
#include "events/event.hpp"
#include "events/products_by_id.hpp"
#include "events/views.hpp"

namespace catalog::events {

struct NamedState {
  std::string name;
  std::string folded;  // text::fold(name): the key of name uniqueness
  int64_t version = 0;
};

class WriteModel {
 public:
  // Evolves the state by one event. The event must be valid against the state: decide()
  // made it, or the log holds it. Throws std::logic_error when it is not, which for an
  // event from the log means the log and this program disagree.
  void apply(const Event& e, Millis recorded_at);

  const NamedState* named(Resource kind, Id id) const;
  // The id that holds this case-folded name, if any.
  std::optional<Id> named_by_folded(Resource kind, std::string_view folded) const;
  // Decoded from the packed record (products_by_id.hpp): a copy, not a view of the model.
  std::optional<ProductState> product(Id id) const;
  // product(id)->version, without decoding the product.
  std::optional<int64_t> product_version(Id id) const;
  // Ids are never reused: the next one follows the highest ever created, deleted or not.
  Id next_id(Resource kind) const;
  // The version the next event of this entity's stream takes.
  int64_t next_version(Resource kind, Id id) const;

  NamedView named_view(Resource kind, Id id) const;
  ProductView product_view(Id id) const;

  size_t product_count() const { return products_.size(); }

  // A snapshot's state put back as it was saved (write_model_snapshot.cpp).
  void restore_named(Resource kind, Id id, NamedState state);
  // A product's record as ProductsById keeps it ("" when there is none), and back.
  std::string packed_product(Id id) const;
  void restore_packed_product(Id id, std::string_view record);
  void restore_last_ids(Id category, Id tag, Id product);
  // A copy of the model between batches (with no undo journal), for a snapshot written on
  // another thread while the catalog goes on deciding.
  WriteModel clone() const;

  // Undo journal for group commit: the catalog actor applies decided events at once, so
  // later commands of the same batch see them, and rolls them back if the batch's
  // transaction fails.
  void begin_batch();
  void commit_batch();
  void rollback_batch();

 private:
  struct Names {
    std::unordered_map<Id, NamedState> by_id;
    std::unordered_map<std::string, Id> by_folded;
    Id last_id = 0;
  };
  Names& names(Resource kind);
  const Names& names(Resource kind) const;
  void create_named(Resource kind, Id id, const std::string& name);
  void rename_named(Resource kind, Id id, const std::string& name);
  void delete_named(Resource kind, Id id);
  void create_product(Id id, const ProductFields& fields, Millis at);
  void update_product(Id id, const ProductPatch& patch, Millis at);
  void delete_product(Id id);
  void remember(std::function<void()> undo);
  // Journals product `id` as it is now (or its absence), to be put back on rollback.
  void remember_product(Id id);

  Names categories_;
  Names tags_;
  ProductsById products_;
  Id last_product_id_ = 0;
  bool journaling_ = false;
  std::vector<std::function<void()>> undo_;
};

}  // namespace catalog::events
