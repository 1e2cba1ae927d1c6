// Telegram notifications end to end: the real server against the fake Bot API. One message
// per committed event, in log order, at least once across restarts; failures retried with
// back-off, 429 honoured, permanent refusals skipped; writers never wait for Telegram; the
// bot token never leaks.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <sstream>
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
using Catch::Matchers::StartsWith;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kToken = "123456:SECRET-token-abc";
const std::string kTokenSecret = "SECRET-token-abc";
const std::string kChatId = "987654321";

// Generous: "eventually" waits end on success, long before this.
constexpr auto kPatience = 30s;

Env telegram_env(const FakeTelegram& fake) {
  return {{"TELEGRAM_BOT_API_KEY", kToken},
          {"TELEGRAM_USER_ID", kChatId},
          {"TELEGRAM_API_BASE", fake.base_url()}};
}

bool eventually(const std::function<bool()>& holds, std::chrono::milliseconds timeout = kPatience) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (holds()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return holds();
}

json created(unsigned short port, const std::string& collection, const json& body) {
  auto res = http_post(port, collection, body);
  INFO("POST " << collection << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 201);
  return res.json();
}

void updated(unsigned short port, const std::string& target, const json& body) {
  auto res = http_put(port, target, body);
  INFO("PUT " << target << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 200);
}

void deleted(unsigned short port, const std::string& target) {
  auto res = http_delete(port, target);
  INFO("DELETE " << target << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 204);
}

std::string id_of(const json& entity) {
  return std::to_string(entity["id"].get<long long>());
}

// A tag named `name`: one event, one message whose text holds the name.
void tag_event(unsigned short port, const std::string& name) {
  created(port, "/tags/", {{"name", name}});
}

std::string tag_text(const std::string& name) {
  return "«" + name + "» created";
}

// The value of an unlabelled sample in /metrics.
double metric(unsigned short port, const std::string& name) {
  auto res = http_get(port, "/metrics");
  REQUIRE(res.status == 200);
  std::istringstream lines(res.body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  FAIL("no sample " << name << " in /metrics:\n" << res.body);
  return 0;
}

double queue_events(unsigned short port) {
  return metric(port, "catalog_notifier_queue_events");
}

// Every message the notifier had to send is through: nothing left after its checkpoint.
void require_settled(unsigned short port) {
  REQUIRE(eventually([&] { return queue_events(port) == 0; }));
}

// The changes that messages carried, in order: pending changes go out together, one
// paragraph each.
std::vector<std::string> changes_in(const std::vector<FakeTelegram::Received>& messages) {
  std::vector<std::string> out;
  for (const auto& r : messages) {
    size_t from = 0;
    for (size_t at = r.text.find("\n\n"); at != std::string::npos;
         from = at + 2, at = r.text.find("\n\n", from))
      out.push_back(r.text.substr(from, at - from));
    out.push_back(r.text.substr(from));
  }
  return out;
}

std::vector<std::string> texts(const FakeTelegram& fake) {
  return changes_in(fake.received());
}

bool changes_reach(const FakeTelegram& fake, size_t n) {
  return eventually([&] { return texts(fake).size() >= n; });
}

// Index of the one expected fragment each text holds, -1 when none: which event it is about.
std::vector<int> events_of(const std::vector<std::string>& sent,
                           const std::vector<std::string>& fragments) {
  std::vector<int> out;
  for (const auto& text : sent) {
    int which = -1;
    for (size_t i = 0; i < fragments.size(); ++i) {
      if (text.find(fragments[i]) != std::string::npos) which = static_cast<int>(i);
    }
    out.push_back(which);
  }
  return out;
}

std::vector<int> one_to(int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i)
    out.push_back(i);
  return out;
}

size_t count_lines_with(const std::string& text, const std::string& needle) {
  std::istringstream lines(text);
  std::string line;
  size_t n = 0;
  while (std::getline(lines, line)) {
    if (line.find(needle) != std::string::npos) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("each committed event reaches the configured chat once, in log order", "[notifier]") {
  TempDir dir;
  FakeTelegram fake;
  ServerProcess server(dir.path(), dir.file("catalog.db"), telegram_env(fake));
  unsigned short port = server.port();

  auto gadgets = created(port, "/categories/", {{"name", "Гаджеты"}});
  auto fresh = created(port, "/tags/", {{"name", "Новинка"}});
  auto hit = created(port, "/tags/", {{"name", "Хит"}});
  auto gun = created(port, "/products/",
                     {{"name", "Портальная пушка"},
                      {"price_shmeckles", 250.5},
                      {"price_flurbos", 180.0},
                      {"category_id", gadgets["id"]},
                      {"tag_ids", {hit["id"]}}});
  updated(port, "/products/" + id_of(gun),
          {{"price_shmeckles", 300.0}, {"tag_ids", json::array()}});
  updated(port, "/categories/" + id_of(gadgets), {{"name", "Девайсы"}});
  updated(port, "/tags/" + id_of(fresh), {{"name", "Свежак"}});
  deleted(port, "/tags/" + id_of(hit));
  deleted(port, "/products/" + id_of(gun));
  deleted(port, "/categories/" + id_of(gadgets));

  REQUIRE(changes_reach(fake, 10));
  require_settled(port);
  auto messages = fake.received();
  for (const auto& r : messages) {
    CHECK(r.method == "POST");
    CHECK(r.target == "/bot" + kToken + "/sendMessage");
    CHECK(r.chat_id.is_number_integer());
    CHECK(r.chat_id == json(987654321));
  }
  auto received = texts(fake);
  REQUIRE(received.size() == 10);
  const std::string product = "Product #" + id_of(gun);
  const std::string category = "Category #" + id_of(gadgets);
  CHECK(received[0] == "🆕 " + category + " «Гаджеты» created");
  CHECK(received[1] == "🆕 Tag #" + id_of(fresh) + " «Новинка» created");
  CHECK(received[2] == "🆕 Tag #" + id_of(hit) + " «Хит» created");
  CHECK_THAT(received[3], StartsWith("🆕 " + product + " «Портальная пушка» created"));
  CHECK_THAT(received[3], Contains("250.5 shmeckles / 180 flurbos"));
  CHECK_THAT(received[3], Contains("category «Гаджеты»"));
  CHECK_THAT(received[3], Contains("tags «Хит»"));
  CHECK_THAT(received[4], StartsWith("✏️ " + product + " «Портальная пушка» updated"));
  CHECK_THAT(received[4], Contains("price 250.5 → 300 shmeckles"));
  CHECK_THAT(received[4], Contains("tags «Хит» → none"));
  CHECK(received[5] == "✏️ " + category + " renamed: «Гаджеты» → «Девайсы»");
  CHECK(received[6] == "✏️ Tag #" + id_of(fresh) + " renamed: «Новинка» → «Свежак»");
  CHECK(received[7] == "🗑 Tag #" + id_of(hit) + " «Хит» deleted");
  CHECK(received[8] == "🗑 " + product + " «Портальная пушка» deleted");
  CHECK(received[9] == "🗑 " + category + " «Девайсы» deleted");
  // Written within a second, they went out coalesced: one message a second to a chat.
  CHECK(messages.size() < 10);
  CHECK(metric(port, "catalog_notifier_sent_total") == static_cast<double>(messages.size()));
  CHECK(metric(port, "catalog_notifier_failures_total") == 0);
}

TEST_CASE("a notifier switched on for an existing catalog starts at the head, sending no history",
          "[notifier]") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  {
    ServerProcess quiet(dir.path(), db);
    tag_event(quiet.port(), "старый");
  }
  FakeTelegram fake;
  ServerProcess server(dir.path(), db, telegram_env(fake));
  tag_event(server.port(), "новый");
  REQUIRE(changes_reach(fake, 1));
  require_settled(server.port());
  auto sent = texts(fake);
  REQUIRE(sent.size() == 1);
  CHECK_THAT(sent[0], Contains(tag_text("новый")));
}

TEST_CASE("a 500 and a dropped connection are retried until the changes go through once",
          "[notifier]") {
  TempDir dir;
  FakeTelegram fake;
  fake.script({Behaviour::drop(), Behaviour::server_error()});
  ServerProcess server(dir.path(), dir.file("catalog.db"), telegram_env(fake));
  unsigned short port = server.port();
  const std::vector<std::string> names{"первый", "второй", "третий"};
  std::vector<std::string> fragments;
  for (const auto& name : names) {
    tag_event(port, name);
    fragments.push_back(tag_text(name));
  }

  REQUIRE(fake.wait_for(3, kPatience));
  require_settled(port);
  auto messages = fake.received();
  // Dropped, refused with 500: each attempt starts with the first change, in order; what was
  // accepted after them holds each change once.
  for (const auto& failed : changes_in({messages[0], messages[1]}))
    CHECK(events_of({failed}, fragments) != std::vector<int>{-1});
  CHECK(events_of(changes_in({messages[0]}), fragments).front() == 0);
  CHECK(events_of(changes_in({messages.begin() + 2, messages.end()}), fragments) == one_to(3));
  CHECK(metric(port, "catalog_notifier_sent_total") == static_cast<double>(messages.size() - 2));
  CHECK(metric(port, "catalog_notifier_retries_total") == 2);
  CHECK(metric(port, "catalog_notifier_failures_total") == 0);
}

TEST_CASE("a 429 is retried no earlier than its retry_after, keeping the order", "[notifier]") {
  TempDir dir;
  FakeTelegram fake;
  fake.script({Behaviour::too_many_requests(2)});
  ServerProcess server(dir.path(), dir.file("catalog.db"), telegram_env(fake));
  unsigned short port = server.port();
  tag_event(port, "раз");
  tag_event(port, "два");

  REQUIRE(fake.wait_for(2, kPatience));
  require_settled(port);
  auto received = fake.received();
  CHECK(received[1].at - received[0].at >= 2s);
  CHECK(events_of(changes_in({received.begin() + 1, received.end()}),
                  {tag_text("раз"), tag_text("два")}) == std::vector<int>{0, 1});
  CHECK(metric(port, "catalog_notifier_retries_total") == 1);
}

TEST_CASE("a 400 chat not found forgets the chat: nothing more is sent to it", "[notifier]") {
  TempDir dir;
  FakeTelegram fake;
  fake.script({Behaviour::bad_request("Bad Request: chat not found")});
  ServerProcess server(dir.path(), dir.file("catalog.db"), telegram_env(fake));
  unsigned short port = server.port();
  tag_event(port, "потерянный");
  REQUIRE(fake.wait_for(1, kPatience));
  REQUIRE(eventually([&] { return metric(port, "catalog_telegram_subscribers") == 0; }));
  tag_event(port, "следующий");
  std::this_thread::sleep_for(1500ms);  // what would have gone to the chat by now
  CHECK(fake.received().size() == 1);
  CHECK(metric(port, "catalog_notifier_failures_total") == 1);
  CHECK(metric(port, "catalog_notifier_sent_total") == 0);
  CHECK(count_lines_with(server.log(), "chat not found") == 1);
}

TEST_CASE("another permanent refusal is logged once, counted and skipped", "[notifier]") {
  TempDir dir;
  FakeTelegram fake;
  fake.script({Behaviour::bad_request("Bad Request: message is too long")});
  ServerProcess server(dir.path(), dir.file("catalog.db"), telegram_env(fake));
  unsigned short port = server.port();
  tag_event(port, "потерянный");
  REQUIRE(fake.wait_for(1, kPatience));
  tag_event(port, "следующий");
  REQUIRE(fake.wait_for(2, kPatience));
  require_settled(port);
  CHECK(events_of(texts(fake), {tag_text("потерянный"), tag_text("следующий")}) ==
        std::vector<int>{0, 1});
  CHECK(metric(port, "catalog_notifier_failures_total") == 1);
  CHECK(metric(port, "catalog_notifier_sent_total") == 1);
  CHECK(metric(port, "catalog_notifier_retries_total") == 0);
  CHECK(count_lines_with(server.log(), "message is too long") == 1);
}

namespace {

// Builds a backlog while Telegram answers with `trouble`, ends the server with `end` while
// messages are pending, starts it again with Telegram well and checks that every event's
// message arrives, in order, with at most the one in flight repeated.
void check_backlog_survives(Behaviour trouble, const std::function<void(ServerProcess&)>& end) {
  TempDir dir;
  FakeTelegram fake;
  const bool refused = trouble.kind == Behaviour::Kind::failure;
  fake.set_default(std::move(trouble));
  ServerProcess server(dir.path(), dir.file("catalog.db"), telegram_env(fake));
  std::vector<std::string> fragments;
  for (int i = 1; i <= 8; ++i) {
    std::string name = "Очередь " + std::to_string(i);
    tag_event(server.port(), name);
    fragments.push_back(tag_text(name));
  }
  REQUIRE(fake.wait_for(2, kPatience));
  REQUIRE(queue_events(server.port()) >= 5);
  end(server);
  auto before = fake.received();
  fake.set_default(Behaviour::ok());
  server.restart();

  // The last change was still pending at the end, so it comes (again) after the restart:
  // waited for among the messages since, not among all, which may hold it already.
  auto since_restart = [&] {
    auto all = fake.received();
    return std::vector<FakeTelegram::Received>(all.begin() + static_cast<long>(before.size()),
                                               all.end());
  };
  REQUIRE(eventually([&] {
    auto seen = events_of(changes_in(since_restart()), fragments);
    return std::count(seen.begin(), seen.end(), 7) > 0;
  }));
  require_settled(server.port());
  auto after = since_restart();
  // A refused attempt delivered nothing; a slow one may have been delivered without the
  // server learning it: only its changes may come again.
  std::vector<FakeTelegram::Received> delivered;
  if (!refused) delivered = before;
  auto earlier = events_of(changes_in(delivered), fragments);
  auto later = events_of(changes_in(after), fragments);
  auto last =
      delivered.empty() ? std::vector<int>{} : events_of(changes_in({delivered.back()}), fragments);
  std::vector<int> per_event(fragments.size(), 0);
  for (int e : earlier)
    ++per_event[e];
  for (int e : later) {
    REQUIRE(e >= 0);
    if (per_event[e] > 0) {
      INFO("event " << e << " came again");
      CHECK(std::count(last.begin(), last.end(), e) == 1);
    }
    ++per_event[e];
  }
  for (size_t e = 0; e < per_event.size(); ++e) {
    INFO("event " << e);
    CHECK(per_event[e] >= 1);
  }
  auto order = later;
  order.erase(std::unique(order.begin(), order.end()), order.end());
  CHECK(std::is_sorted(order.begin(), order.end()));
  REQUIRE_FALSE(order.empty());
  CHECK(order.back() == 7);
}

}  // namespace

TEST_CASE("a backlog behind a failing Telegram, stopped with SIGTERM, follows the restart",
          "[notifier]") {
  check_backlog_survives(Behaviour::server_error(),
                         [](ServerProcess& server) { CHECK(server.stop() == 0); });
}

TEST_CASE("a backlog behind a slow Telegram, stopped with SIGTERM, follows the restart",
          "[notifier]") {
  check_backlog_survives(Behaviour::delay(400ms),
                         [](ServerProcess& server) { CHECK(server.stop() == 0); });
}

TEST_CASE("a backlog behind a slow Telegram, ended by kill -9, follows the restart", "[notifier]") {
  // Slower than the SIGTERM case's: the kill must land while the last message still waits
  // for its answer, even when the test's own thread stalls (CI once saw 400 ms not suffice).
  check_backlog_survives(Behaviour::delay(1500ms), [](ServerProcess& server) { server.kill9(); });
}

TEST_CASE("writes never wait for an unreachable Telegram, and the backlog follows its return",
          "[notifier]") {
  TempDir dir;
  FakeTelegram fake;
  // The server inherits the test's open descriptors (Asio's sockets are not close-on-exec):
  // spawned while the fake listens, it would keep the fake's listener open through
  // fake.stop(), and the outage would be a silent hang instead of a refused connection.
  fake.stop();
  ServerProcess server(dir.path(), dir.file("catalog.db"), telegram_env(fake));
  fake.start();
  unsigned short port = server.port();
  tag_event(port, "до сбоя");
  REQUIRE(fake.wait_for(1, kPatience));
  require_settled(port);
  const size_t before = fake.received().size();

  fake.stop();
  constexpr int kWrites = 50;
  std::vector<std::string> fragments;
  auto batch_start = Clock::now();
  for (int i = 0; i < kWrites; ++i) {
    std::string name = "Сбой " + std::to_string(i);
    auto start = Clock::now();
    tag_event(port, name);
    auto took = Clock::now() - start;
    INFO("write " << i << " took "
                  << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
    CHECK(took < 1s);
    fragments.push_back(tag_text(name));
  }
  auto batch = Clock::now() - batch_start;
  // A writer held up by the notifier would wait at least the shortest back-off (half of the
  // first 0.5 s ceiling) per write; the whole batch takes well under half of that.
  CHECK(batch < kWrites * 250ms / 2);

  REQUIRE(eventually([&] { return queue_events(port) == kWrites; }));
  REQUIRE(eventually([&] { return metric(port, "catalog_notifier_retries_total") >= 1; }));
  CHECK(fake.received().size() == before);

  fake.start();
  REQUIRE(changes_reach(fake, 1 + kWrites));
  require_settled(port);
  auto sent = texts(fake);
  sent.erase(sent.begin());
  CHECK(events_of(sent, fragments) == one_to(kWrites));
  CHECK(metric(port, "catalog_notifier_sent_total") == static_cast<double>(fake.received().size()));
}

TEST_CASE("without the Telegram variables the service runs and sends nothing", "[notifier]") {
  TempDir dir;
  FakeTelegram fake;
  ServerProcess server(dir.path(), dir.file("catalog.db"),
                       {{"TELEGRAM_API_BASE", fake.base_url()}});
  unsigned short port = server.port();
  tag_event(port, "тихий");
  auto category = created(port, "/categories/", {{"name", "Без уведомлений"}});
  deleted(port, "/categories/" + id_of(category));
  CHECK(queue_events(port) == -1);
  std::this_thread::sleep_for(1s);  // what a notifier would have had to send by now
  CHECK(fake.received().empty());
  CHECK(http_get(port, "/tags/").json().size() == 1);
}

TEST_CASE("a chat id without a bot token refuses to start, naming the token", "[notifier]") {
  TempDir dir;
  FakeTelegram fake;
  Env env{{"TELEGRAM_USER_ID", kChatId}, {"TELEGRAM_API_BASE", fake.base_url()}};
  // Through ServerProcess first: a server that starts anyway fails here instead of hanging.
  bool refused = false;
  try {
    ServerProcess started(dir.path(), dir.file("catalog.db"), env);
  } catch (const std::runtime_error&) {
    refused = true;
  }
  REQUIRE(refused);
  env["DATABASE_URL"] = database_url(dir.file("catalog.db"));
  env["PORT"] = "0";
  auto run = run_catalog(dir.path(), {"serve"}, env);
  CHECK(run.exit_code != 0);
  INFO("stderr: " << run.err);
  CHECK(count_lines_with(run.err, "") == 1);
  CHECK_THAT(run.err, Contains("TELEGRAM_BOT_API_KEY"));
  CHECK(fake.received().empty());
}

TEST_CASE("a bot token alone serves subscribers only: nothing goes out before a /start",
          "[notifier]") {
  TempDir dir;
  FakeTelegram fake;
  ServerProcess server(dir.path(), dir.file("catalog.db"),
                       {{"TELEGRAM_BOT_API_KEY", kToken}, {"TELEGRAM_API_BASE", fake.base_url()}});
  tag_event(server.port(), "никому");
  REQUIRE(eventually([&] { return fake.bot_requests().size() >= 2; }));  // getMe, getUpdates
  std::this_thread::sleep_for(1s);
  CHECK(fake.received().empty());
  CHECK(metric(server.port(), "catalog_telegram_subscribers") == 0);
}

TEST_CASE("the bot token appears in no log line and no response, failures included", "[notifier]") {
  TempDir dir;
  FakeTelegram fake;
  // A proxy in the way might echo the whole request target back.
  fake.script({Behaviour::drop(), Behaviour::server_error(), Behaviour::too_many_requests(1),
               Behaviour::failure(404, "Not Found: /bot" + kToken + "/sendMessage"),
               Behaviour::failure(401, "Unauthorized")});
  ServerProcess server(dir.path(), dir.file("catalog.db"), telegram_env(fake));
  unsigned short port = server.port();
  // One change per attempt that skips it: the 404 and the 401 each take one away.
  tag_event(port, "альфа");
  REQUIRE(fake.wait_for(4, kPatience));
  tag_event(port, "бета");
  REQUIRE(fake.wait_for(5, kPatience));
  tag_event(port, "гамма");
  REQUIRE(fake.wait_for(6, kPatience));
  require_settled(port);
  CHECK(metric(port, "catalog_notifier_failures_total") == 2);
  CHECK(metric(port, "catalog_notifier_retries_total") == 3);
  REQUIRE(fake.received().front().target == "/bot" + kToken + "/sendMessage");
  // The answer that echoed the token was logged, with the token taken out.
  CHECK(count_lines_with(server.log(), "Not Found") == 1);

  std::vector<std::pair<std::string, std::string>> outputs{{"server log", server.log()}};
  for (const char* target : {"/metrics", "/health", "/events?after=0", "/events?stream=tag-1"}) {
    auto res = http_get(port, target);
    CHECK(res.status == 200);
    outputs.emplace_back(target, res.body);
  }
  for (const auto& [what, text] : outputs) {
    INFO(what << ":\n" << text);
    CHECK_THAT(text, !Contains(kToken));
    CHECK_THAT(text, !Contains(kTokenSecret));
  }
}
