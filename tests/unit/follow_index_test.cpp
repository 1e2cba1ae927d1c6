// Routing: the chats an event concerns, from the index of follows and from the facts of the
// products as the log goes by (a product moved between categories reaches the followers of
// both; a tag taken off reaches that tag's followers once more), and the price alerts.
#include "subscribers/follow_index.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>

#include "subscribers/alert_book.hpp"
#include "subscribers/product_facts.hpp"

using namespace catalog::subscribers;
using namespace catalog::events;

namespace {

std::vector<ChatId> route(const FollowIndex& index, const Concern& c) {
  std::vector<ChatId> out;
  index.route(c, out);
  return out;
}

ProductFactsTracker tracker_without_history() {
  return ProductFactsTracker([](Id, int64_t) { return std::nullopt; });
}

}  // namespace

TEST_CASE("a chat is routed once however many of its follows an event touches") {
  FollowIndex index;
  CHECK(index.add(1, FollowKind::category, 10));
  CHECK(index.add(1, FollowKind::tag, 3));
  CHECK_FALSE(index.add(1, FollowKind::tag, 3));
  CHECK(index.add(2, FollowKind::tag, 4));
  CHECK(index.add(3, FollowKind::product, 77));
  CHECK(index.follow_count() == 4);

  CHECK(route(index, {77, {10}, {3, 4}}) == std::vector<ChatId>{1, 2, 3});
  CHECK(route(index, {5, {10}, {}}) == std::vector<ChatId>{1});
  CHECK(route(index, {5, {11}, {5}}).empty());
  CHECK(route(index, {0, {}, {4}}) == std::vector<ChatId>{2});
}

TEST_CASE("unfollowing and forgetting take a chat out of every route") {
  FollowIndex index;
  index.add(1, FollowKind::category, 10);
  index.add(1, FollowKind::tag, 3);
  index.add(2, FollowKind::category, 10);
  CHECK(index.remove(1, FollowKind::category, 10));
  CHECK_FALSE(index.remove(1, FollowKind::category, 10));
  CHECK_FALSE(index.remove(9, FollowKind::tag, 3));
  CHECK(route(index, {0, {10}, {3}}) == std::vector<ChatId>{1, 2});
  CHECK(index.follows(1) == std::vector<std::pair<FollowKind, Id>>{{FollowKind::tag, 3}});
  CHECK(index.follows(1, FollowKind::tag, 3));
  CHECK_FALSE(index.follows(1, FollowKind::category, 10));
  CHECK_FALSE(index.follows(9, FollowKind::tag, 3));
  index.forget(1);
  CHECK_FALSE(index.follows_something(1));
  CHECK(index.follows_something(2));
  CHECK(route(index, {0, {10}, {3}}) == std::vector<ChatId>{2});
  CHECK(index.follow_count() == 1);
}

TEST_CASE("the index routes as a scan of every chat's follows would") {
  std::mt19937 random(7);
  FollowIndex index;
  std::map<ChatId, std::set<std::pair<FollowKind, Id>>> truth;
  for (int step = 0; step < 20000; ++step) {
    ChatId chat = random() % 300;
    auto kind = static_cast<FollowKind>(random() % 3);
    Id id = 1 + random() % 40;
    if (random() % 4 == 0) {
      CHECK(index.remove(chat, kind, id) == (truth[chat].erase({kind, id}) == 1));
    } else {
      CHECK(index.add(chat, kind, id) == truth[chat].insert({kind, id}).second);
    }
    if (step % 500 != 0) continue;
    Concern c{Id(1 + random() % 40), {Id(1 + random() % 40)}, {Id(1 + random() % 40), 41}};
    std::vector<ChatId> expected;
    for (const auto& [who, follows] : truth) {
      bool hit = follows.count({FollowKind::product, c.product}) != 0;
      for (auto id : c.categories)
        hit = hit || follows.count({FollowKind::category, id});
      for (auto id : c.tags)
        hit = hit || follows.count({FollowKind::tag, id});
      if (hit) expected.push_back(who);
    }
    CHECK(route(index, c) == expected);
  }
}

TEST_CASE("a product moved between categories concerns both; a tag taken off concerns it") {
  auto facts = tracker_without_history();
  auto r = facts.apply(ProductCreated{5, {"Gun", {}, {}, 10, 1, 1, {2, 3}}}, 1);
  CHECK(r.concern.product == 5);
  CHECK(r.concern.categories == std::vector<Id>{1});
  CHECK(r.concern.tags == std::vector<Id>{2, 3});
  CHECK(r.new_price == 10);

  ProductPatch move;
  move.category_id = std::optional<Id>(4);
  move.tag_ids = std::vector<Id>{3};
  r = facts.apply(ProductUpdated{5, move}, 2);
  CHECK(r.concern.categories == std::vector<Id>{1, 4});
  CHECK(r.concern.tags == std::vector<Id>{2, 3});
  CHECK_FALSE(r.new_price);

  ProductPatch rename;
  rename.name = "Portal gun";
  r = facts.apply(ProductUpdated{5, rename}, 3);
  CHECK(r.concern.categories == std::vector<Id>{4});
  CHECK(r.concern.tags == std::vector<Id>{3});

  r = facts.apply(ProductDeleted{5}, 4);
  CHECK(r.concern.product == 5);
  CHECK(r.concern.categories == std::vector<Id>{4});
  CHECK(facts.products_known() == 0);
}

TEST_CASE("a deleted category or tag no longer routes its former products") {
  auto facts = tracker_without_history();
  facts.apply(ProductCreated{5, {"Gun", {}, {}, 10, 1, 1, {2, 3}}}, 1);
  auto r = facts.apply(NamedDeleted{Resource::tag, 2}, 2);
  CHECK(r.concern.tags == std::vector<Id>{2});
  CHECK(r.concern.product == 0);
  r = facts.apply(NamedDeleted{Resource::category, 1}, 3);
  CHECK(r.concern.categories == std::vector<Id>{1});
  ProductPatch price;
  price.price_shmeckles = 8;
  r = facts.apply(ProductUpdated{5, price}, 4);
  CHECK(r.concern.categories.empty());
  CHECK(r.concern.tags == std::vector<Id>{3});
  CHECK(r.new_price == 8);
}

TEST_CASE("a product created before the notifier read on is looked up once, as it stood") {
  std::vector<std::pair<Id, int64_t>> asked;
  ProductFactsTracker facts([&](Id id, int64_t at) -> std::optional<ProductFacts> {
    asked.push_back({id, at});
    if (id != 9) return std::nullopt;
    return ProductFacts{Id(6), {7}, 50};
  });
  ProductPatch price;
  price.price_shmeckles = 40;
  auto r = facts.apply(ProductUpdated{9, price}, 120);
  CHECK(r.concern.categories == std::vector<Id>{6});
  CHECK(r.concern.tags == std::vector<Id>{7});
  r = facts.apply(ProductUpdated{9, price}, 121);
  CHECK(asked == std::vector<std::pair<Id, int64_t>>{{9, 119}});
  // Unknown to the log as well: routed to the product's followers alone.
  r = facts.apply(ProductUpdated{8, price}, 122);
  CHECK(r.concern.product == 8);
  CHECK(r.concern.categories.empty());
}

TEST_CASE("an alert fires once, at the first price at or below it") {
  AlertBook alerts;
  alerts.set(1, 5, 20);
  alerts.set(2, 5, 10);
  alerts.set(3, 6, 10);
  alerts.set(1, 5, 15);  // replaces chat 1's alert on product 5
  CHECK(alerts.size() == 3);
  CHECK(alerts.fire(5, 16).empty());
  auto fired = alerts.fire(5, 15);
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].chat == 1);
  CHECK(fired[0].price == 15);
  CHECK(alerts.fire(5, 15).empty());  // once
  fired = alerts.fire(5, 1);
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].chat == 2);
  CHECK(alerts.of(3).size() == 1);
  alerts.forget(3);
  CHECK(alerts.fire(6, 0).empty());
  CHECK(alerts.size() == 0);
}

TEST_CASE("several chats' alerts on one product fire highest threshold first") {
  AlertBook alerts;
  alerts.set(1, 5, 10);
  alerts.set(2, 5, 30);
  alerts.set(3, 5, 20);
  CHECK(alerts.remove(3, 5));
  CHECK_FALSE(alerts.remove(3, 5));
  auto fired = alerts.fire(5, 5);
  REQUIRE(fired.size() == 2);
  CHECK(fired[0].chat == 2);
  CHECK(fired[1].chat == 1);
}
