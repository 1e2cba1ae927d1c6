// The write model's decisions, with plain values: no actor, no database.
#include "events/decide.hpp"

#include <catch2/catch.hpp>

using namespace catalog::events;

namespace {

// Decides and, on success, applies: the catalog actor's step without the log.
Decision run(WriteModel& m, const Command& c, Millis at = 1000) {
  auto d = decide(m, c);
  if (auto* evs = std::get_if<std::vector<Event>>(&d)) {
    for (const auto& e : *evs)
      m.apply(e, at);
  }
  return d;
}

std::vector<Event> events_of(const Decision& d) {
  REQUIRE(std::holds_alternative<std::vector<Event>>(d));
  return std::get<std::vector<Event>>(d);
}

DomainError::Kind error_of(const Decision& d) {
  REQUIRE(std::holds_alternative<DomainError>(d));
  return std::get<DomainError>(d).kind;
}

ProductFields fields(std::string name, std::optional<Id> category = std::nullopt,
                     std::vector<Id> tags = {}) {
  ProductFields f;
  f.name = std::move(name);
  f.price_shmeckles = 10;
  f.price_flurbos = 5;
  f.category_id = category;
  f.tag_ids = std::move(tags);
  return f;
}

}  // namespace

TEST_CASE("creating a category records CategoryCreated with the next id") {
  WriteModel m;
  auto evs = events_of(run(m, CreateNamed{Resource::category, "Гаджеты"}));
  REQUIRE(evs.size() == 1);
  auto created = std::get<NamedCreated>(evs[0]);
  CHECK(created.id == 1);
  CHECK(created.name == "Гаджеты");
  CHECK(type_name(evs[0]) == "CategoryCreated");
  CHECK(stream_name(evs[0]) == "category-1");
}

TEST_CASE("names are unique case-insensitively in every script") {
  WriteModel m;
  run(m, CreateNamed{Resource::category, "Электроника"});
  CHECK(error_of(decide(m, CreateNamed{Resource::category, "ЭЛЕКТРОНИКА"})) ==
        DomainError::Kind::conflict);
  CHECK(error_of(decide(m, CreateNamed{Resource::category, "электроника"})) ==
        DomainError::Kind::conflict);
  // The same name is free for the other resource.
  CHECK(events_of(decide(m, CreateNamed{Resource::tag, "Электроника"})).size() == 1);
}

TEST_CASE("renaming onto another's name conflicts; onto a new case of one's own does not") {
  WriteModel m;
  run(m, CreateNamed{Resource::tag, "Хит"});
  run(m, CreateNamed{Resource::tag, "Новинка"});
  CHECK(error_of(decide(m, RenameNamed{Resource::tag, 2, "хит", std::nullopt})) ==
        DomainError::Kind::conflict);
  auto evs = events_of(run(m, RenameNamed{Resource::tag, 1, "ХИТ", std::nullopt}));
  CHECK(type_name(evs.at(0)) == "TagRenamed");
  CHECK(m.named(Resource::tag, 1)->version == 2);
}

TEST_CASE("renaming to the same name changes nothing") {
  WriteModel m;
  run(m, CreateNamed{Resource::category, "Еда"});
  CHECK(events_of(decide(m, RenameNamed{Resource::category, 1, "Еда", std::nullopt})).empty());
}

TEST_CASE("ids are never reused after a delete") {
  WriteModel m;
  run(m, CreateNamed{Resource::tag, "a"});
  run(m, DeleteNamed{Resource::tag, 1, std::nullopt});
  auto evs = events_of(run(m, CreateNamed{Resource::tag, "a"}));
  CHECK(entity_id(evs.at(0)) == 2);
}

TEST_CASE("unknown ids are not found") {
  WriteModel m;
  CHECK(error_of(decide(m, RenameNamed{Resource::category, 7, "x", std::nullopt})) ==
        DomainError::Kind::not_found);
  CHECK(error_of(decide(m, DeleteNamed{Resource::tag, 7, std::nullopt})) ==
        DomainError::Kind::not_found);
  CHECK(error_of(decide(m, UpdateProduct{7, {}, std::nullopt})) == DomainError::Kind::not_found);
  auto d = decide(m, DeleteProduct{7, std::nullopt});
  CHECK(std::get<DomainError>(d).detail == "Product 7 not found");
}

TEST_CASE("a product must refer to an existing category and existing tags") {
  WriteModel m;
  run(m, CreateNamed{Resource::tag, "t"});
  auto d = decide(m, CreateProduct{fields("p", 5)});
  CHECK(error_of(d) == DomainError::Kind::invalid_reference);
  CHECK(std::get<DomainError>(d).detail == "Category 5 does not exist");
  d = decide(m, CreateProduct{fields("p", std::nullopt, {1, 9})});
  CHECK(std::get<DomainError>(d).detail == "Tag 9 does not exist");
}

TEST_CASE("an update records only the fields that change") {
  WriteModel m;
  run(m, CreateProduct{fields("p")});
  ProductPatch patch;
  patch.name = "p";
  patch.price_flurbos = 77.0;
  auto evs = events_of(run(m, UpdateProduct{1, patch, std::nullopt}, 2000));
  auto updated = std::get<ProductUpdated>(evs.at(0));
  CHECK_FALSE(updated.changes.name);
  CHECK(updated.changes.price_flurbos == 77.0);
  CHECK(m.product(1)->version == 2);
  CHECK(m.product(1)->updated_at == 2000);
  CHECK(m.product(1)->created_at == 1000);
}

TEST_CASE("an update that changes nothing records nothing") {
  WriteModel m;
  run(m, CreateProduct{fields("p")});
  ProductPatch patch;
  patch.price_shmeckles = 10.0;
  patch.description = std::optional<std::string>();  // already null
  CHECK(events_of(decide(m, UpdateProduct{1, patch, std::nullopt})).empty());
}

TEST_CASE("If-Match with a stale version is refused, a current one accepted") {
  WriteModel m;
  run(m, CreateProduct{fields("p")});
  ProductPatch patch;
  patch.price_shmeckles = 1.5;
  CHECK(error_of(decide(m, UpdateProduct{1, patch, 2})) == DomainError::Kind::precondition_failed);
  CHECK(error_of(decide(m, DeleteProduct{1, 3})) == DomainError::Kind::precondition_failed);
  CHECK(events_of(decide(m, UpdateProduct{1, patch, 1})).size() == 1);
}

TEST_CASE("deleting a category clears it from its products, deleting a tag removes it") {
  WriteModel m;
  run(m, CreateNamed{Resource::category, "c"});
  run(m, CreateNamed{Resource::tag, "t1"});
  run(m, CreateNamed{Resource::tag, "t2"});
  run(m, CreateProduct{fields("p", 1, {1, 2})});
  run(m, DeleteNamed{Resource::category, 1, std::nullopt});
  run(m, DeleteNamed{Resource::tag, 1, std::nullopt});
  auto view = m.product_view(1);
  CHECK_FALSE(view.category);
  REQUIRE(view.tags.size() == 1);
  CHECK(view.tags[0].id == 2);
  CHECK(view.version == 1);  // the product's own stream got no event
}

TEST_CASE("the outcome of a product command is the product as it now stands") {
  WriteModel m;
  run(m, CreateNamed{Resource::category, "Гаджеты"});
  Command c = CreateProduct{fields("Портальная пушка", 1)};
  auto d = run(m, c);
  auto outcome = outcome_of(m, c, events_of(d));
  auto& view = std::get<ProductView>(outcome);
  CHECK(view.id == 1);
  CHECK(view.category->name == "Гаджеты");
}

TEST_CASE("a rolled-back batch leaves the write model as it was") {
  WriteModel m;
  run(m, CreateNamed{Resource::category, "c"});
  run(m, CreateNamed{Resource::tag, "t"});
  run(m, CreateProduct{fields("p", 1, {1})});
  auto before = m.product_view(1);
  m.begin_batch();
  run(m, CreateNamed{Resource::category, "new"});
  run(m, RenameNamed{Resource::tag, 1, "renamed", std::nullopt});
  ProductPatch patch;
  patch.name = "changed";
  run(m, UpdateProduct{1, patch, std::nullopt});
  run(m, DeleteNamed{Resource::category, 1, std::nullopt});
  run(m, DeleteNamed{Resource::tag, 1, std::nullopt});
  run(m, DeleteProduct{1, std::nullopt});
  m.rollback_batch();
  CHECK(m.product_view(1) == before);
  CHECK(m.next_id(Resource::category) == 2);
  CHECK(m.named_by_folded(Resource::tag, "t") == 1);
  CHECK_FALSE(m.named_by_folded(Resource::tag, "renamed"));
  CHECK_FALSE(m.named_by_folded(Resource::category, "new"));
}

TEST_CASE("a rolled-back deletion of a tag puts it back on every product") {
  WriteModel m;
  run(m, CreateNamed{Resource::category, "c"});
  run(m, CreateNamed{Resource::tag, "t1"});
  run(m, CreateNamed{Resource::tag, "t2"});
  const Id n = 5000;  // products over more than one chunk of slots
  for (Id i = 1; i <= n; ++i)
    run(m, CreateProduct{fields("product " + std::to_string(i),
                                i % 2 ? std::optional<Id>(1) : std::nullopt,
                                i % 3 ? std::vector<Id>{1, 2} : std::vector<Id>{2})});
  std::vector<ProductView> before;
  for (Id i = 1; i <= n; ++i)
    before.push_back(m.product_view(i));
  m.begin_batch();
  run(m, DeleteNamed{Resource::tag, 1, std::nullopt});
  run(m, DeleteNamed{Resource::category, 1, std::nullopt});
  CHECK(m.product(1)->fields.tag_ids == std::vector<Id>{2});
  CHECK_FALSE(m.product(1)->fields.category_id);
  m.rollback_batch();
  for (Id i = 1; i <= n; ++i)
    REQUIRE(m.product_view(i) == before[static_cast<size_t>(i - 1)]);
  CHECK(m.product_count() == static_cast<size_t>(n));
}
