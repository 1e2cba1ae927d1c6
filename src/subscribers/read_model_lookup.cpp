#include "projections/read_model.hpp"
#include "subscribers/catalog_lookup.hpp"

namespace catalog::subscribers {

namespace {

events::Resource resource(FollowKind kind) {
  return kind == FollowKind::category ? events::Resource::category : events::Resource::tag;
}

class ReadModelLookup final : public CatalogLookup {
 public:
  explicit ReadModelLookup(db::Connection& db) : model_(db) {}

  std::optional<Named> named(FollowKind kind, const FollowTarget& target) override {
    std::optional<Id> id;
    if (auto* by_id = std::get_if<Id>(&target.ref)) {
      id = *by_id;
    } else {
      id = model_.named_id(resource(kind), std::get<std::string>(target.ref));
    }
    if (!id) return std::nullopt;
    auto view = model_.named(resource(kind), *id);
    if (!view) return std::nullopt;
    return Named{view->id, view->name};
  }

  std::optional<ProductSummary> product(Id id) override {
    auto view = model_.product(id);
    if (!view) return std::nullopt;
    return ProductSummary{view->id, view->name, view->price_shmeckles};
  }

 private:
  projections::ReadModel model_;
};

}  // namespace

std::unique_ptr<CatalogLookup> read_model_lookup(db::Connection& db) {
  return std::make_unique<ReadModelLookup>(db);
}

}  // namespace catalog::subscribers
