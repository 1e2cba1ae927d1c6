// The subscribers' desk over a real log and store (one SQLite file): commands, routing after
// a restart, alerts that wait for their drop, and what GET /subscribers shows.
#include "subscribers/desk.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "projection_fixture.hpp"

using namespace catalog;
using namespace catalog::subscribers;
using nlohmann::json;

namespace {

using Clock = Desk::Clock;

OutboxLimits unlimited() {
  OutboxLimits l;
  l.chat_rate = 1e9;
  l.global_rate = 1e9;
  return l;
}

// Routes the whole log after the desk's start and sends everything, all accepted; returns
// the texts each chat got.
std::map<ChatId, std::vector<std::string>> run(Desk& desk, db::Connection& db) {
  events::EventStore log(db);
  for (const auto& e : log.read_after(desk.routed_to(), 1000))
    desk.route(e, log);
  std::map<ChatId, std::vector<std::string>> sent;
  auto now = Clock::now();
  Clock::time_point wake;
  for (int i = 0; i < 1000; ++i, now += std::chrono::milliseconds(1)) {
    while (auto d = desk.next(now, wake)) {
      desk.done(*d, Outcome::sent, now);
      sent[d->chat].push_back(d->text);
    }
  }
  return sent;
}

void say(Desk& desk, db::Connection& db, ChatId chat, const std::string& text) {
  auto lookup = read_model_lookup(db);
  desk.handle({chat, "private", text}, *lookup, events::EventStore(db).head().position,
              1764000000000, Clock::now());
}

events::ProductPatch price(double shmeckles) {
  events::ProductPatch p;
  p.price_shmeckles = shmeckles;
  return p;
}

bool mentions(const std::vector<std::string>& texts, const std::string& part) {
  for (const auto& t : texts)
    if (t.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a restart routes the log again from the lowest position, and repeats nothing sent") {
  test::Fixture f;
  auto store = sqlite_subscriber_store(f.connection());
  auto gun = f.product("Gun", 100);
  {
    Desk desk(*store, unlimited(), Clock::now());
    desk.start(events::EventStore(f.connection()).head().position);
    say(desk, f.connection(), 1, "/start");
    say(desk, f.connection(), 2, "/follow product " + std::to_string(gun));
    run(desk, f.connection());
    f.product("Plumbus", 5);  // only chat 1 gets it
    auto sent = run(desk, f.connection());
    CHECK(mentions(sent[1], "Plumbus"));
    CHECK(sent.count(2) == 0);
    CHECK(store->load()[1].position == 1);  // nothing for chat 2 yet: behind the head
    desk.sweep();                           // as at a stop
    CHECK(store->load()[1].position == 2);
  }
  f.record(events::ProductUpdated{gun, price(90.0)});
  Desk again(*store, unlimited(), Clock::now());
  CHECK(again.start(events::EventStore(f.connection()).head().position) == 2);  // both chats' own
  auto sent = run(again, f.connection());
  CHECK(mentions(sent[1], "Gun"));
  CHECK_FALSE(mentions(sent[1], "Plumbus"));  // delivered before the restart
  CHECK(mentions(sent[2], "Gun"));
  auto listing = again.listing();
  REQUIRE(listing.size() == 2);
  CHECK(listing[0]["position"] == 3);
  CHECK(listing[1]["follows"] == json::array({{{"kind", "product"}, {"id", gun}}}));
}

TEST_CASE("an alert set after a drop waits for a later one, even when the log is read again") {
  test::Fixture f;
  auto store = sqlite_subscriber_store(f.connection());
  auto gun = f.product("Gun", 100);
  f.record(events::ProductUpdated{gun, price(40.0)});
  Desk desk(*store, unlimited(), Clock::now());
  desk.start(events::EventStore(f.connection()).head().position);
  say(desk, f.connection(), 1, "/start");
  say(desk, f.connection(), 2, "/start");
  run(desk, f.connection());
  say(desk, f.connection(), 1, "/alert " + std::to_string(gun) + " 50");
  run(desk, f.connection());
  // Chat 2 lags behind (as if its messages had failed), so a restart reads the drop again.
  store->subscribe(3, 0, 1764000000000);
  Desk again(*store, unlimited(), Clock::now());
  CHECK(again.start(events::EventStore(f.connection()).head().position) == 0);
  auto sent = run(again, f.connection());
  CHECK_FALSE(mentions(sent[1], "Price alert"));
  CHECK(again.listing()[0]["alerts"].size() == 1);
  f.record(events::ProductUpdated{gun, price(45.0)});
  sent = run(again, f.connection());
  CHECK(mentions(sent[1], "Price alert"));
  CHECK(again.listing()[0]["alerts"].empty());
  CHECK(store->load()[1].alerts.empty());  // gone from the store once its message went
}

TEST_CASE("/stop forgets the chat and still answers it") {
  test::Fixture f;
  auto store = sqlite_subscriber_store(f.connection());
  Desk desk(*store, unlimited(), Clock::now());
  desk.start(0);
  say(desk, f.connection(), 1, "/start");
  say(desk, f.connection(), 1, "/stop");
  auto sent = run(desk, f.connection());
  REQUIRE(sent[1].size() == 2);
  CHECK(sent[1][1].find("Unsubscribed") != std::string::npos);
  CHECK(desk.listing().empty());
  CHECK(store->load().empty());
}
