// The bot's subscribers end to end: the real server against the fake Bot API, which delivers
// the chats' commands through getUpdates (or the test posts them to the webhook) and records
// what each chat is sent.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_telegram.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using namespace std::chrono_literals;
using nlohmann::json;
using Behaviour = FakeTelegram::Behaviour;
using Catch::Matchers::Contains;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kToken = "123456:SECRET-bot-token";
const std::string kAdmin = "admin-token-1";
constexpr auto kPatience = 30s;

bool eventually(const std::function<bool()>& holds, std::chrono::milliseconds timeout = kPatience) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (holds()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return holds();
}

// Limits lifted unless a test sets them: the tests wait for messages, not for the clock.
Env bot_env(const FakeTelegram& fake, Env extra = {}) {
  Env env{{"TELEGRAM_BOT_API_KEY", kToken},
          {"TELEGRAM_API_BASE", fake.base_url()},
          {"CATALOG_API_TOKEN", kAdmin},
          {"TELEGRAM_CHAT_RATE", "1000"},
          {"TELEGRAM_GLOBAL_RATE", "1000"}};
  for (auto& [k, v] : extra)
    env[k] = v;
  return env;
}

const Headers kAuth{{"Authorization", "Bearer " + kAdmin}};

json created(unsigned short port, const std::string& collection, const json& body) {
  auto res = http_post(port, collection, body, kAuth);
  INFO("POST " << collection << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 201);
  return res.json();
}

void updated(unsigned short port, const std::string& target, const json& body) {
  auto res = http_put(port, target, body, kAuth);
  INFO("PUT " << target << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 200);
}

std::string id_of(const json& entity) {
  return std::to_string(entity["id"].get<long long>());
}

json subscribers(unsigned short port) {
  auto res = http_request(port, "GET", "/subscribers", "", kAuth);
  INFO(res.body);
  REQUIRE(res.status == 200);
  return res.json();
}

std::vector<std::string> texts_to(const FakeTelegram& fake, int64_t chat) {
  std::vector<std::string> out;
  for (const auto& r : fake.sent_to(chat))
    out.push_back(r.text);
  return out;
}

// Sends `text` from `chat` and waits for the bot's reply; returns it.
std::string command(FakeTelegram& fake, int64_t chat, const std::string& text) {
  size_t before = fake.sent_to(chat).size();
  fake.push_message(chat, text);
  REQUIRE(fake.wait_for_chat(chat, before + 1, kPatience));
  return fake.sent_to(chat).at(before).text;
}

// Nothing waits for any subscriber. Pending can read 0 before the notifier has read the
// newest change at all: a test first waits for a change it expects to arrive.
void settled(unsigned short port) {
  REQUIRE(eventually([&] {
    for (const auto& s : subscribers(port))
      if (s["pending"] != 0) return false;
    return true;
  }));
}

bool any_holds(const std::vector<std::string>& texts, const std::string& fragment) {
  return std::any_of(texts.begin(), texts.end(),
                     [&](const std::string& t) { return t.find(fragment) != std::string::npos; });
}

}  // namespace

TEST_CASE("/start subscribes a chat to the changes made after it; /stop forgets it",
          "[subscribers]") {
  TempDir dir;
  FakeTelegram fake;
  ServerProcess server(dir.path(), dir.file("catalog.db"), bot_env(fake));
  unsigned short port = server.port();
  created(port, "/tags/", {{"name", "до подписки"}});
  CHECK_THAT(command(fake, 501, "/start"), Contains("Subscribed"));
  CHECK_THAT(command(fake, 501, "/start"), Contains("already subscribed"));
  created(port, "/tags/", {{"name", "после подписки"}});
  REQUIRE(fake.wait_for_chat(501, 3, kPatience));
  auto texts = texts_to(fake, 501);
  CHECK(any_holds(texts, "«после подписки» created"));
  CHECK_FALSE(any_holds(texts, "«до подписки»"));
  settled(port);
  auto list = subscribers(port);
  REQUIRE(list.size() == 1);
  CHECK(list[0]["chat_id"] == 501);
  CHECK(list[0]["follows"] == json::array());
  CHECK(list[0]["alerts"] == json::array());
  CHECK(list[0]["position"] == 2);
  CHECK(list[0]["pending"] == 0);

  CHECK_THAT(command(fake, 501, "/stop"), Contains("Unsubscribed"));
  CHECK(subscribers(port) == json::array());
  created(port, "/tags/", {{"name", "после отписки"}});
  std::this_thread::sleep_for(1s);
  CHECK_FALSE(any_holds(texts_to(fake, 501), "после отписки"));
  CHECK_THAT(command(fake, 501, "/stop"), Contains("not subscribed"));
  CHECK_THAT(server.log(), !Contains("SECRET-bot-token"));
}

TEST_CASE("a follower of a category gets a product's change when it is in it before or after",
          "[subscribers]") {
  TempDir dir;
  FakeTelegram fake;
  ServerProcess server(dir.path(), dir.file("catalog.db"), bot_env(fake));
  unsigned short port = server.port();
  auto gadgets = created(port, "/categories/", {{"name", "Гаджеты"}});
  auto food = created(port, "/categories/", {{"name", "Еда"}});
  auto gun = created(port, "/products/",
                     {{"name", "Портальная пушка"},
                      {"price_shmeckles", 250.0},
                      {"price_flurbos", 1.0},
                      {"category_id", gadgets["id"]}});
  CHECK_THAT(command(fake, 7, "/follow category гаджеты"),
             Contains("Following category «Гаджеты»"));
  CHECK_THAT(command(fake, 8, "/follow category " + id_of(food)), Contains("«Еда»"));
  CHECK_THAT(command(fake, 9, "/start"), Contains("Subscribed"));

  updated(port, "/products/" + id_of(gun), {{"category_id", food["id"]}});  // both see it
  created(port, "/products/",
          {{"name", "Бургер"},
           {"price_shmeckles", 5.0},
           {"price_flurbos", 1.0},
           {"category_id", food["id"]}});      // food only
  created(port, "/tags/", {{"name", "Хит"}});  // neither
  // The chat that follows nothing gets the last change: by then the notifier has routed it
  // to every chat (pending can read 0 before the notifier has read the change at all).
  REQUIRE(eventually([&] { return any_holds(texts_to(fake, 9), "«Хит» created"); }));
  settled(port);
  auto seven = texts_to(fake, 7);
  auto eight = texts_to(fake, 8);
  auto nine = texts_to(fake, 9);
  CHECK(any_holds(seven, "«Портальная пушка» updated"));
  CHECK_FALSE(any_holds(seven, "Бургер"));
  CHECK_FALSE(any_holds(seven, "«Хит»"));
  CHECK(any_holds(eight, "«Портальная пушка» updated"));
  CHECK(any_holds(eight, "«Бургер» created"));
  CHECK_FALSE(any_holds(eight, "«Хит»"));
  CHECK(any_holds(nine, "«Хит» created"));  // follows nothing: every change
  auto list = subscribers(port);
  REQUIRE(list.size() == 3);
  CHECK(list[0]["follows"] == json::array({{{"kind", "category"}, {"id", gadgets["id"]}}}));
}

TEST_CASE("a follower of a tag gets the change that takes the tag away; of a product, its own",
          "[subscribers]") {
  TempDir dir;
  FakeTelegram fake;
  ServerProcess server(dir.path(), dir.file("catalog.db"), bot_env(fake));
  unsigned short port = server.port();
  auto hit = created(port, "/tags/", {{"name", "Хит продаж"}});
  auto a = created(port, "/products/",
                   {{"name", "Альфа"},
                    {"price_shmeckles", 1.0},
                    {"price_flurbos", 1.0},
                    {"tag_ids", {hit["id"]}}});
  auto b = created(port, "/products/",
                   {{"name", "Бета"}, {"price_shmeckles", 1.0}, {"price_flurbos", 1.0}});
  CHECK_THAT(command(fake, 11, "/follow tag хит продаж"), Contains("Following tag «Хит продаж»"));
  CHECK_THAT(command(fake, 12, "/follow product " + id_of(b)), Contains("«Бета»"));
  updated(port, "/products/" + id_of(a), {{"tag_ids", json::array()}});
  updated(port, "/products/" + id_of(a), {{"name", "Альфа 2"}});  // no longer tagged
  updated(port, "/products/" + id_of(b), {{"price_flurbos", 2.0}});
  // The last change reaches its follower once the notifier has routed all three.
  REQUIRE(eventually([&] { return any_holds(texts_to(fake, 12), "«Бета» updated"); }));
  settled(port);
  auto eleven = texts_to(fake, 11);
  CHECK(any_holds(eleven, "tags «Хит продаж» → none"));
  CHECK_FALSE(any_holds(eleven, "Альфа 2"));
  CHECK_FALSE(any_holds(eleven, "Бета"));
  auto twelve = texts_to(fake, 12);
  CHECK(any_holds(twelve, "«Бета» updated"));
  CHECK_FALSE(any_holds(twelve, "Альфа"));

  CHECK_THAT(command(fake, 11, "/unfollow tag " + id_of(hit)),
             Contains("You get every change again"));
  created(port, "/tags/", {{"name", "Новый"}});
  REQUIRE(eventually([&] { return any_holds(texts_to(fake, 11), "«Новый» created"); }));
}

TEST_CASE("an alert fires once, when the price drops to it or below, and is gone after",
          "[subscribers]") {
  TempDir dir;
  FakeTelegram fake;
  ServerProcess server(dir.path(), dir.file("catalog.db"), bot_env(fake));
  unsigned short port = server.port();
  auto gun = created(port, "/products/",
                     {{"name", "Пушка"}, {"price_shmeckles", 300.0}, {"price_flurbos", 1.0}});
  CHECK_THAT(command(fake, 21, "/follow product " + id_of(gun)), Contains("Following"));
  CHECK_THAT(command(fake, 21, "/alert " + id_of(gun) + " 200,5"), Contains("Alert set"));
  CHECK(subscribers(port)[0]["alerts"] ==
        json::array({{{"product_id", gun["id"]}, {"price_shmeckles", 200.5}}}));
  updated(port, "/products/" + id_of(gun), {{"price_shmeckles", 250.0}});
  updated(port, "/products/" + id_of(gun), {{"price_shmeckles", 199.0}});
  updated(port, "/products/" + id_of(gun), {{"price_shmeckles", 100.0}});
  // The chat follows the product: the last change reaches it once all three are routed.
  REQUIRE(eventually([&] { return any_holds(texts_to(fake, 21), "100 shmeckles"); }));
  settled(port);
  auto texts = texts_to(fake, 21);
  size_t alerts = 0;
  for (const auto& t : texts)
    for (size_t at = t.find("Price alert"); at != std::string::npos;
         at = t.find("Price alert", at + 1))
      ++alerts;
  CHECK(alerts == 1);
  CHECK(any_holds(texts, "now costs 199 shmeckles"));
  CHECK(subscribers(port)[0]["alerts"] == json::array());
  CHECK_THAT(command(fake, 21, "/following"), !Contains("Alerts"));
}

TEST_CASE("every command form is answered in its chat, and wrong ones say what was wrong",
          "[subscribers]") {
  TempDir dir;
  FakeTelegram fake;
  ServerProcess server(dir.path(), dir.file("catalog.db"), bot_env(fake));
  unsigned short port = server.port();
  auto tag = created(port, "/tags/", {{"name", "Скидки лета"}});
  CHECK_THAT(command(fake, 31, "/help"), Contains("/follow"));
  CHECK_THAT(command(fake, 31, "hello there"), Contains("/follow"));
  CHECK_THAT(command(fake, 31, "/follow@CatalogTestBot tag Скидки лета"),
             Contains("Subscribed. Following tag «Скидки лета»"));
  CHECK_THAT(command(fake, 31, "/follow tag Скидки лета"), Contains("already follow"));
  CHECK_THAT(command(fake, 31, "/follow tag Нет такого"), Contains("No tag is named «Нет такого»"));
  CHECK_THAT(command(fake, 31, "/follow category 999"), Contains("No category has id 999"));
  CHECK_THAT(command(fake, 31, "/follow product 12345"), Contains("No product has id 12345"));
  CHECK_THAT(command(fake, 31, "/alert 1"), !Contains("Alert set"));
  CHECK_THAT(command(fake, 31, "/following"), Contains("tag «Скидки лета» (#" + id_of(tag) + ")"));
  CHECK_THAT(command(fake, 31, "/unfollow tag " + id_of(tag)), Contains("No longer following"));
  CHECK_THAT(command(fake, 31, "/" + std::string(5000, 'x')), Contains("/follow"));
  auto replies = texts_to(fake, 31);
  for (const auto& r : replies)
    CHECK(r.size() <= 4096 * 4);
}

TEST_CASE("updates that are not new private text messages are passed over, and not fetched again",
          "[subscribers]") {
  TempDir dir;
  FakeTelegram fake;
  ServerProcess server(dir.path(), dir.file("catalog.db"), bot_env(fake));
  fake.push_update(
      {{"edited_message",
        {{"message_id", 1}, {"chat", {{"id", 41}, {"type", "private"}}}, {"text", "/start"}}}});
  fake.push_update({{"callback_query", {{"id", "x"}}}});
  fake.push_message(42, "/start", "group");
  int64_t last = fake.push_message(43, "/start");
  REQUIRE(fake.wait_for_chat(43, 1, kPatience));
  CHECK(fake.sent_to(41).empty());
  CHECK(fake.sent_to(42).empty());
  auto list = subscribers(server.port());
  REQUIRE(list.size() == 1);
  CHECK(list[0]["chat_id"] == 43);
  // The next poll confirms them all; after a restart the stored offset is asked for.
  REQUIRE(eventually([&] {
    auto polls = fake.bot_requests();
    return polls.back().body.value("offset", int64_t{0}) == last + 1;
  }));
  const size_t before = fake.bot_requests().size();
  server.restart();
  REQUIRE(eventually([&] { return fake.bot_requests().size() > before + 2; }));
  auto polls = fake.bot_requests();
  for (size_t i = before; i < polls.size(); ++i)
    if (polls[i].target.find("getUpdates") != std::string::npos)
      CHECK(polls[i].body.value("offset", int64_t{-1}) == last + 1);
  CHECK(fake.sent_to(43).size() == 1);
}

TEST_CASE("a malformed answer to getUpdates is logged and retried; nothing is lost",
          "[subscribers]") {
  TempDir dir;
  FakeTelegram fake;
  fake.script_updates({Behaviour::raw(200, "{not json", {{"Content-Type", "application/json"}}),
                       Behaviour::raw(200, R"({"ok":true,"result":{}})"),
                       Behaviour::server_error()});
  fake.push_message(51, "/start");
  ServerProcess server(dir.path(), dir.file("catalog.db"), bot_env(fake));
  REQUIRE(fake.wait_for_chat(51, 1, kPatience));
  CHECK_THAT(fake.sent_to(51)[0].text, Contains("Subscribed"));
  CHECK_THAT(server.log(), Contains("getUpdates failed"));
  CHECK_THAT(server.log(), !Contains("SECRET-bot-token"));
}

TEST_CASE("a chat that blocked the bot is forgotten; a failing chat does not hold up the others",
          "[subscribers]") {
  TempDir dir;
  FakeTelegram fake;
  ServerProcess server(dir.path(), dir.file("catalog.db"), bot_env(fake));
  unsigned short port = server.port();
  for (int64_t chat : {61, 62, 63})
    CHECK_THAT(command(fake, chat, "/start"), Contains("Subscribed"));
  fake.set_chat(61, Behaviour::failure(403, "Forbidden: bot was blocked by the user"));
  fake.set_chat(62, Behaviour::server_error());
  for (int i = 0; i < 5; ++i)
    created(port, "/tags/", {{"name", "Тег " + std::to_string(i)}});
  REQUIRE(eventually([&] { return any_holds(texts_to(fake, 63), "«Тег 4» created"); }));
  REQUIRE(eventually([&] { return subscribers(port).size() == 2; }));
  auto list = subscribers(port);
  CHECK(list[0]["chat_id"] == 62);
  CHECK(list[0]["pending"] == 5);
  CHECK(list[1]["chat_id"] == 63);
  CHECK(list[1]["pending"] == 0);
  // 62 recovers: what it missed comes, in order, once.
  fake.set_chat(62, std::nullopt);
  REQUIRE(eventually([&] { return subscribers(port)[0]["pending"] == 0; }, 90s));
  std::vector<std::string> delivered;
  auto sent = fake.sent_to(62);
  std::string last = sent.back().text;
  for (int i = 0; i < 5; ++i)
    CHECK_THAT(last, Contains("«Тег " + std::to_string(i) + "» created"));
  CHECK_THAT(server.log(), Contains("chat 61 is gone"));
}

TEST_CASE("pending changes survive a restart and are delivered after it", "[subscribers]") {
  TempDir dir;
  FakeTelegram fake;
  ServerProcess server(dir.path(), dir.file("catalog.db"), bot_env(fake));
  unsigned short port = server.port();
  CHECK_THAT(command(fake, 71, "/start"), Contains("Subscribed"));
  fake.set_chat(71, Behaviour::server_error());
  for (int i = 0; i < 3; ++i)
    created(port, "/tags/", {{"name", "Ждёт " + std::to_string(i)}});
  REQUIRE(eventually([&] { return subscribers(port)[0]["pending"] == 3; }));
  server.kill9();
  fake.set_chat(71, std::nullopt);
  server.restart();
  REQUIRE(eventually([&] { return any_holds(texts_to(fake, 71), "«Ждёт 2» created"); }));
  auto last = fake.sent_to(71).back().text;
  for (int i = 0; i < 3; ++i)
    CHECK_THAT(last, Contains("«Ждёт " + std::to_string(i) + "»"));
}

TEST_CASE("one message a second to a chat, coalesced; the global rate spaces all chats",
          "[subscribers]") {
  TempDir dir;
  FakeTelegram fake;
  ServerProcess server(dir.path(), dir.file("catalog.db"),
                       bot_env(fake, {{"TELEGRAM_CHAT_RATE", "1"}, {"TELEGRAM_GLOBAL_RATE", "4"}}));
  unsigned short port = server.port();
  std::vector<int64_t> chats{81, 82, 83, 84, 85, 86, 87, 88};
  for (int64_t chat : chats)
    fake.push_message(chat, "/start");
  for (int64_t chat : chats)
    REQUIRE(fake.wait_for_chat(chat, 1, kPatience));
  for (int i = 0; i < 6; ++i)
    created(port, "/tags/", {{"name", "Волна " + std::to_string(i)}});
  settled(port);
  auto all = fake.received();
  // Per chat: at least a second between two messages (a little slack for the clock).
  for (int64_t chat : chats) {
    auto sent = fake.sent_to(chat);
    for (size_t i = 1; i < sent.size(); ++i)
      CHECK(sent[i].at - sent[i - 1].at >= 990ms);
  }
  // In all: never more than 4 at once plus 4 a second over any window.
  for (size_t i = 0; i < all.size(); ++i) {
    size_t in_window = 0;
    for (size_t j = i; j < all.size() && all[j].at - all[i].at < 1s; ++j)
      ++in_window;
    CHECK(in_window <= 8);
  }
  size_t changes = 0;
  for (const auto& r : fake.sent_to(81))
    changes += r.text.find("Волна") != std::string::npos;
  CHECK(changes < 6);  // coalesced: fewer messages than changes
}

TEST_CASE("a 429 holds that chat for retry_after; others go on", "[subscribers]") {
  TempDir dir;
  FakeTelegram fake;
  ServerProcess server(dir.path(), dir.file("catalog.db"), bot_env(fake));
  unsigned short port = server.port();
  for (int64_t chat : {91, 92})
    CHECK_THAT(command(fake, chat, "/start"), Contains("Subscribed"));
  fake.set_chat(91, Behaviour::too_many_requests(2));
  created(port, "/tags/", {{"name", "Лимит"}});
  REQUIRE(eventually([&] { return any_holds(texts_to(fake, 92), "«Лимит»"); }));
  REQUIRE(fake.wait_for_chat(91, 2, kPatience));
  auto held = Clock::now();
  fake.set_chat(91, std::nullopt);
  REQUIRE(eventually([&] { return any_holds(texts_to(fake, 91), "«Лимит»"); }));
  auto tries = fake.sent_to(91);
  for (size_t i = 2; i < tries.size(); ++i)
    CHECK(tries[i].at - tries[i - 1].at >= 1900ms);
  CHECK(Clock::now() - held < 10s);
}

TEST_CASE("the webhook takes updates with the secret only, and the bot does not poll then",
          "[subscribers]") {
  TempDir dir;
  FakeTelegram fake;
  ServerProcess server(dir.path(), dir.file("catalog.db"),
                       bot_env(fake, {{"TELEGRAM_WEBHOOK_SECRET", "hook-Secret_1"}}));
  unsigned short port = server.port();
  json update{
      {"update_id", 1000},
      {"message",
       {{"message_id", 1}, {"chat", {{"id", 101}, {"type", "private"}}}, {"text", "/start"}}}};
  CHECK(http_post(port, "/telegram/webhook", update).status == 401);
  CHECK(http_post(port, "/telegram/webhook", update, {{"X-Telegram-Bot-Api-Secret-Token", "wrong"}})
            .status == 401);
  CHECK(fake.sent_to(101).empty());
  const Headers secret{{"X-Telegram-Bot-Api-Secret-Token", "hook-Secret_1"}};
  auto res = http_post(port, "/telegram/webhook", update, secret);
  CHECK(res.status == 200);
  REQUIRE(fake.wait_for_chat(101, 1, kPatience));
  // Telegram delivering the same update again changes nothing.
  CHECK(http_post(port, "/telegram/webhook", update, secret).status == 200);
  CHECK(http_request(port, "POST", "/telegram/webhook", "{oops", secret).status == 400);
  CHECK(http_post(port, "/telegram/webhook", json{{"message", 1}}, secret).status == 400);
  std::this_thread::sleep_for(500ms);
  CHECK(fake.sent_to(101).size() == 1);
  for (const auto& r : fake.bot_requests())
    CHECK(r.target.find("getUpdates") == std::string::npos);
  CHECK(subscribers(port).size() == 1);
}

TEST_CASE("the subscribers' routes need the API token set and sent", "[subscribers]") {
  TempDir dir;
  FakeTelegram fake;
  {
    Env env = bot_env(fake);
    env.erase("CATALOG_API_TOKEN");
    ServerProcess open(dir.path(), dir.file("open.db"), env);
    CHECK(http_get(open.port(), "/subscribers").status == 401);
    CHECK(http_request(open.port(), "GET", "/subscribers", "", kAuth).status == 401);
    CHECK(http_delete(open.port(), "/subscribers/1").status == 401);
  }
  ServerProcess server(dir.path(), dir.file("catalog.db"), bot_env(fake));
  unsigned short port = server.port();
  CHECK(http_get(port, "/subscribers").status == 401);
  CHECK(http_request(port, "GET", "/subscribers", "", {{"Authorization", "Bearer nope"}}).status ==
        401);
  CHECK_THAT(command(fake, 111, "/start"), Contains("Subscribed"));
  CHECK(http_delete(port, "/subscribers/111").status == 401);
  CHECK(http_delete(port, "/subscribers/abc", kAuth).status == 422);
  CHECK(http_delete(port, "/subscribers/111", kAuth).status == 204);
  CHECK(http_delete(port, "/subscribers/111", kAuth).status == 404);
  CHECK(subscribers(port) == json::array());
  created(port, "/tags/", {{"name", "после удаления"}});
  std::this_thread::sleep_for(1s);
  CHECK(fake.sent_to(111).size() == 1);  // the reply to /start only
}

TEST_CASE("TELEGRAM_USER_ID is subscribed at start-up and keeps its place across restarts",
          "[subscribers]") {
  TempDir dir;
  FakeTelegram fake;
  ServerProcess server(dir.path(), dir.file("catalog.db"),
                       bot_env(fake, {{"TELEGRAM_USER_ID", "121"}}));
  unsigned short port = server.port();
  created(port, "/tags/", {{"name", "первый"}});
  REQUIRE(fake.wait_for_chat(121, 1, kPatience));
  CHECK_THAT(command(fake, 121, "/follow tag первый"), Contains("Following"));
  server.restart();
  created(server.port(), "/tags/", {{"name", "второй"}});
  std::this_thread::sleep_for(1s);
  auto list = subscribers(server.port());
  REQUIRE(list.size() == 1);
  CHECK(list[0]["follows"].size() == 1);  // /start at start-up kept its follows
  CHECK_FALSE(any_holds(texts_to(fake, 121), "второй"));
}
