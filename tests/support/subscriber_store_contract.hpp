// What every SubscriberStore must do, checked against the SQLite and the PostgreSQL tables
// alike: subscribing keeps an existing chat's follows and position, erasing leaves nothing
// of the chat, positions only move forward, follows keep their order, alerts are replaced.
// `reopen` gives a store on a new connection to the same database, as after a restart.
#pragma once

#include <catch2/catch.hpp>
#include <functional>
#include <memory>

#include "subscribers/subscriber_store.hpp"

namespace catalog::testing {

inline void check_subscriber_store(
    const std::function<std::unique_ptr<subscribers::SubscriberStore>()>& reopen) {
  using namespace catalog::subscribers;
  using Follows = std::vector<std::pair<FollowKind, Id>>;
  auto store = reopen();
  CHECK(store->load().empty());
  CHECK(store->subscribe(42, 100, 1764000000000));
  CHECK(store->subscribe(-1001234567890, 100, 1764000000001));  // a group's id is negative
  store->follow(42, FollowKind::tag, 3, 1764000000002);
  store->follow(42, FollowKind::category, 1, 1764000000002);  // the same millisecond
  store->follow(42, FollowKind::product, 9, 1764000000003);
  store->follow(42, FollowKind::tag, 3, 1764000000004);  // again: no second row
  store->set_alert(42, 9, 19.99);
  store->set_alert(42, 9, 15.5);  // replaces
  store->set_alert(42, 7, 0.1);
  store->advance(42, 115);
  store->advance_all({42, -1001234567890, 5}, 120);  // 5 is no subscriber: nothing for it
  store->advance_all({-1001234567890}, 90);          // never backwards, for many either
  store->advance_all({}, 500);
  store->advance(42, 110);  // never backwards
  // /start again: follows and position kept.
  CHECK_FALSE(store->subscribe(42, 200, 1764000000005));

  store = reopen();
  auto all = store->load();
  REQUIRE(all.size() == 2);
  CHECK(all[0].chat == -1001234567890);
  CHECK(all[0].position == 120);
  CHECK(all[0].follows.empty());
  const auto& s = all[1];
  CHECK(s.chat == 42);
  CHECK(s.position == 120);
  CHECK(s.follows ==
        Follows{{FollowKind::tag, 3}, {FollowKind::category, 1}, {FollowKind::product, 9}});
  REQUIRE(s.alerts.size() == 2);
  CHECK(s.alerts[0].product == 7);
  CHECK(s.alerts[0].price == 0.1);
  CHECK(s.alerts[1].product == 9);
  CHECK(s.alerts[1].price == 15.5);

  store->unfollow(42, FollowKind::category, 1);
  store->unfollow(42, FollowKind::category, 2);  // never followed: nothing happens
  store->remove_alert(42, 7);
  all = store->load();
  CHECK(all[1].follows == Follows{{FollowKind::tag, 3}, {FollowKind::product, 9}});
  CHECK(all[1].alerts.size() == 1);

  // /stop: nothing of the chat is left, and it may come back as new.
  CHECK(store->erase(42));
  CHECK_FALSE(store->erase(42));
  store = reopen();
  all = store->load();
  REQUIRE(all.size() == 1);
  CHECK(all[0].chat == -1001234567890);
  CHECK(store->subscribe(42, 300, 1764000000006));
  all = store->load();
  CHECK(all[1].position == 300);
  CHECK(all[1].follows.empty());
  CHECK(all[1].alerts.empty());

  CHECK_FALSE(store->bot_value("updates_offset"));
  store->set_bot_value("updates_offset", 815);
  store->set_bot_value("updates_offset", 816);
  CHECK(reopen()->bot_value("updates_offset") == 816);
}

}  // namespace catalog::testing
