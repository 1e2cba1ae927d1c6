// Every command row of API.md's "Telegram subscribers" table carried out against a real
// SQLite subscriber store and a small catalog, with the reply each chat gets; and what a
// restart finds.
#include "subscribers/subscriptions.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "db/migrations.hpp"
#include "db/sqlite.hpp"
#include "text/casefold.hpp"

using namespace catalog;
using namespace catalog::subscribers;
using Follows = std::vector<std::pair<FollowKind, Id>>;

namespace {

class FakeCatalog final : public CatalogLookup {
 public:
  std::map<Id, std::string> categories{{1, "Гаджеты"}, {2, "Portal Tech"}};
  std::map<Id, std::string> tags{{3, "Хит"}};
  std::map<Id, ProductSummary> products{{7, {7, "Portal gun", 25}}};

  std::optional<Named> named(FollowKind kind, const FollowTarget& target) override {
    const auto& names = kind == FollowKind::category ? categories : tags;
    for (const auto& [id, name] : names) {
      bool hit = std::holds_alternative<Id>(target.ref)
                     ? std::get<Id>(target.ref) == id
                     : text::fold(std::get<std::string>(target.ref)) == text::fold(name);
      if (hit) return Named{id, name};
    }
    return std::nullopt;
  }
  std::optional<ProductSummary> product(Id id) override {
    auto it = products.find(id);
    if (it == products.end()) return std::nullopt;
    return it->second;
  }
};

class Fixture {
 public:
  Fixture()
      : path_(std::filesystem::temp_directory_path() /
              ("catalog-subscriptions-" + std::to_string(::getpid()) + ".db")) {
    std::filesystem::remove(path_);
    open();
  }
  ~Fixture() {
    subs_.reset();
    store_.reset();
    db_.reset();
    for (auto suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path_.string() + suffix);
  }
  // As after a restart: everything read back from the file.
  void reopen() {
    subs_.reset();
    store_.reset();
    db_.reset();
    open();
  }
  std::string say(ChatId chat, std::string_view text, int64_t head = 10) {
    return subs_->handle(chat, text, catalog_, head, 1764000000000);
  }
  Subscriptions& subs() { return *subs_; }
  FakeCatalog& catalog() { return catalog_; }

 private:
  void open() {
    db_ = std::make_unique<db::Connection>(path_.string(), db::OpenMode::read_write_create);
    db::configure(*db_, false);
    db::migrate_to_head(*db_);
    store_ = sqlite_subscriber_store(*db_);
    subs_ = std::make_unique<Subscriptions>(*store_);
  }
  std::filesystem::path path_;
  std::unique_ptr<db::Connection> db_;
  std::unique_ptr<SubscriberStore> store_;
  std::unique_ptr<Subscriptions> subs_;
  FakeCatalog catalog_;
};

}  // namespace

TEST_CASE("/start subscribes to everything after the head; again, it keeps the position") {
  Fixture fx;
  CHECK(fx.say(1, "/start", 10).find("Subscribed") == 0);
  CHECK(fx.subs().chats().at(1) == 10);
  fx.subs().advance(1, 15);
  CHECK(fx.say(1, "/start", 40) == "You are already subscribed. /following shows what you get.");
  CHECK(fx.subs().chats().at(1) == 15);
  CHECK(fx.say(1, "/following") == "You get every change of the catalog.");
  fx.reopen();
  CHECK(fx.subs().chats().at(1) == 15);
}

TEST_CASE("/follow by name or id, in any case, subscribing first; unknown ones are named") {
  Fixture fx;
  CHECK(fx.say(5, "/follow category гаджеты") ==
        "Subscribed. Following category «Гаджеты» (#1): you now get only the changes you "
        "follow.");
  CHECK(fx.say(5, "/follow tag 3").find("Following tag «Хит» (#3)") == 0);
  CHECK(fx.say(5, "/follow product 7").find("Following product «Portal gun» (#7)") == 0);
  CHECK(fx.say(5, "/follow tag ХИТ") == "You already follow tag «Хит» (#3).");
  CHECK(fx.say(5, "/follow category Nope") == "No category is named «Nope».");
  CHECK(fx.say(5, "/follow tag 99") == "No tag has id 99.");
  CHECK(fx.say(5, "/follow product 8") == "No product has id 8.");
  CHECK(fx.say(5, "/follow@CatalogBot category portal tech").find("Following category") == 0);
  fx.reopen();
  CHECK(fx.subs().follows().follows(5) == Follows{{FollowKind::category, 1},
                                                  {FollowKind::tag, 3},
                                                  {FollowKind::product, 7},
                                                  {FollowKind::category, 2}});
  CHECK(fx.say(5, "/following") ==
        "You follow:\n- category «Гаджеты» (#1)\n- tag «Хит» (#3)\n- product «Portal gun» "
        "(#7)\n- category «Portal Tech» (#2)");
}

TEST_CASE("/unfollow the last follow gets every change again; a deleted one by its id") {
  Fixture fx;
  CHECK(fx.say(6, "/unfollow tag 3") == "This chat is not subscribed. /start subscribes it.");
  fx.say(6, "/follow tag Хит");
  fx.say(6, "/follow category 1");
  CHECK(fx.say(6, "/unfollow category 2") == "You do not follow category #2.");
  CHECK(fx.say(6, "/unfollow tag хит") == "No longer following tag «Хит» (#3).");
  fx.catalog().categories.erase(1);
  CHECK(fx.say(6, "/following") == "You follow:\n- category #1 (deleted)");
  CHECK(fx.say(6, "/unfollow category Гаджеты") == "No category is named «Гаджеты».");
  CHECK(fx.say(6, "/unfollow category 1") ==
        "No longer following category #1. You get every change again.");
  fx.reopen();
  CHECK_FALSE(fx.subs().follows().follows_something(6));
  CHECK(fx.subs().chats().count(6) == 1);
}

TEST_CASE("/alert sets one alert per product, shown by /following, kept across a restart") {
  Fixture fx;
  CHECK(fx.say(7, "/alert 7 19.99") ==
        "Subscribed. Alert set: one message when product «Portal gun» (#7) costs 19.99 "
        "shmeckles or less (it costs 25 now).");
  CHECK(fx.say(7, "/alert 7 20").find("Alert set") == 0);
  CHECK(fx.say(7, "/alert 8 1") == "No product has id 8.");
  CHECK(fx.say(7, "/alert 7 cheap").find("Usage: /alert") == 0);
  // Alerts are not follows: the chat still gets every change.
  CHECK(fx.say(7, "/following") ==
        "You get every change of the catalog.\nAlerts:\n- product «Portal gun» (#7) at 20 "
        "shmeckles or less");
  fx.reopen();
  auto fired = fx.subs().alerts().fire(7, 20);
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].chat == 7);
}

TEST_CASE("/stop erases the chat, its follows and its alerts; help for anything else") {
  Fixture fx;
  fx.say(8, "/follow tag 3");
  fx.say(8, "/alert 7 1");
  CHECK(fx.say(8, "/stop") == "Unsubscribed. Everything stored about this chat is deleted.");
  CHECK(fx.say(8, "/stop") == "This chat is not subscribed. /start subscribes it.");
  CHECK(fx.say(8, "/following") == "This chat is not subscribed. /start subscribes it.");
  fx.reopen();
  CHECK(fx.subs().chats().empty());
  CHECK(fx.subs().alerts().size() == 0);
  CHECK(fx.subs().follows().follow_count() == 0);
  CHECK(fx.say(8, "hello") == help_text());
  CHECK(fx.say(8, "/help") == help_text());
  CHECK(fx.subs().chats().empty());  // help subscribes nobody
}
