// The bot's view of the catalog: the node's read model, names compared as the catalog
// compares them.
#include <catch2/catch.hpp>

#include "projection_fixture.hpp"
#include "subscribers/catalog_lookup.hpp"

using namespace catalog;
using namespace catalog::events;
using namespace catalog::subscribers;

TEST_CASE("the bot finds categories and tags by id or name, and products by id") {
  test::Fixture fx;
  fx.record(NamedCreated{Resource::category, 1, "Гаджеты"});
  fx.record(NamedCreated{Resource::tag, 1, "Хит продаж"});
  fx.record(ProductCreated{1, {"Portal gun", {}, {}, 250, 3, 1, {1}}});
  auto lookup = read_model_lookup(fx.connection());

  auto c = lookup->named(FollowKind::category, {FollowKind::category, std::string("гаджеты")});
  REQUIRE(c);
  CHECK(c->id == 1);
  CHECK(c->name == "Гаджеты");
  auto t = lookup->named(FollowKind::tag, {FollowKind::tag, Id(1)});
  REQUIRE(t);
  CHECK(t->name == "Хит продаж");
  // A tag's id is not a category's.
  CHECK_FALSE(
      lookup->named(FollowKind::category, {FollowKind::category, std::string("Хит продаж")}));
  CHECK_FALSE(lookup->named(FollowKind::tag, {FollowKind::tag, Id(2)}));

  auto p = lookup->product(1);
  REQUIRE(p);
  CHECK(p->name == "Portal gun");
  CHECK(p->price_shmeckles == 250);
  fx.record(ProductDeleted{1});
  CHECK_FALSE(lookup->product(1));
}
