// Safe retries on a single SQLite node (API.md, "Safe retries" and "Read-your-writes"): a
// POST, PUT or DELETE repeated with its Idempotency-Key gets the first answer again, verbatim,
// and changes nothing; a key reused for another request is a 422; the kept answers survive a
// restart and a crash; requests with one key in flight at once get one decision; and every
// answer names the log position it wrote (Catalog-Position).
#include <sqlite3.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

Headers with_key(const std::string& key, Headers more = {}) {
  more.emplace_back("Idempotency-Key", key);
  return more;
}

json product(const std::string& name, double price = 10.0) {
  return json{{"name", name}, {"price_shmeckles", price}, {"price_flurbos", price / 2}};
}

std::string item(const std::string& collection, const json& id) {
  return collection + std::to_string(id.get<long long>());
}

int64_t position_header(const HttpResponse& res) {
  std::string text = res.header("catalog-position");
  INFO("Catalog-Position: '" << text << "' on " << res.status << " " << res.body);
  REQUIRE(!text.empty());
  return std::stoll(text);
}

// What a client is given and must get again on a retry: status, body, Location, ETag and
// Catalog-Position (a header that is missing is the empty string).
json verbatim(const HttpResponse& res) {
  return json{{"status", res.status},
              {"body", res.body},
              {"location", res.header("location")},
              {"etag", res.header("etag")},
              {"catalog-position", res.header("catalog-position")}};
}

// The whole event log, as GET /events pages through it.
std::vector<json> all_events(unsigned short port) {
  std::vector<json> out;
  for (int64_t after = 0;;) {
    auto res = http_get(port, "/events?after=" + std::to_string(after) + "&limit=1000");
    REQUIRE(res.status == 200);
    auto page = res.json();
    if (page.empty()) return out;
    for (auto& e : page)
      out.push_back(e);
    after = out.back()["position"].get<int64_t>();
  }
}

// The position of the last event in the log: its head.
int64_t log_head(unsigned short port) {
  auto events = all_events(port);
  return events.empty() ? 0 : events.back()["position"].get<int64_t>();
}

json created(unsigned short port, const std::string& collection, const json& body) {
  auto res = http_post(port, collection, body);
  INFO(collection << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 201);
  return res.json();
}

// FastAPI's form of the 422 for a bad or reused Idempotency-Key: a list naming the header.
void check_key_error(const HttpResponse& res) {
  INFO(res.status << " " << res.body);
  REQUIRE(res.status == 422);
  auto detail = res.json().at("detail");
  REQUIRE(detail.is_array());
  REQUIRE(detail.size() == 1);
  CHECK(detail[0]["loc"] == json::array({"header", "idempotency-key"}));
  CHECK(detail[0]["msg"].is_string());
  CHECK(!detail[0]["msg"].get<std::string>().empty());
  CHECK(detail[0]["type"].is_string());
}

// Runs `request(i)` for i in [0, n) on as many threads, released together. Catch2 assertions
// are not thread-safe: the threads only record; a thread that throws says why in the body.
std::vector<HttpResponse> race(int n, const std::function<HttpResponse(int)>& request) {
  std::vector<HttpResponse> answers(n);
  std::latch start(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        answers[i] = request(i);
      } catch (const std::exception& ex) {
        answers[i].body = ex.what();  // status 0: no answer at all
      }
    });
  }
  for (auto& t : threads)
    t.join();
  return answers;
}

std::string statuses(const std::vector<HttpResponse>& answers) {
  std::string out;
  for (const auto& a : answers)
    out += std::to_string(a.status) + " " + a.header("catalog-position") + " " + a.body + "\n";
  return out;
}

// Holds SQLite's write lock on the server's database from another connection, as another
// process could, so that the server's next commit waits (it retries for about 5 s): the
// mutations sent meanwhile queue up and are decided together, in one batch, once it is
// released. Released well within those 5 s.
class WriteLock {
 public:
  explicit WriteLock(const std::string& db) {
    REQUIRE(sqlite3_open(db.c_str(), &db_) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  ~WriteLock() { release(); }
  WriteLock(const WriteLock&) = delete;
  WriteLock& operator=(const WriteLock&) = delete;
  void release() {
    if (!db_) return;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Sends the requests one after another, each on its own thread and connection, while the
// server's commits wait for `lock`: the first one (a write without a key) holds the catalog
// in its commit, and the rest arrive in order behind it, to be decided as one batch. Returns
// the answers to `requests` (not to the first write).
std::vector<HttpResponse> in_one_batch(unsigned short port, const std::string& db,
                                       const std::vector<std::function<HttpResponse()>>& requests) {
  std::vector<HttpResponse> answers(requests.size());
  HttpResponse blocker;
  std::vector<std::thread> threads;
  {
    WriteLock lock(db);
    threads.emplace_back([&] { blocker = http_post(port, "/tags/", {{"name", "blocker"}}); });
    std::this_thread::sleep_for(200ms);
    for (size_t i = 0; i < requests.size(); ++i) {
      threads.emplace_back([&, i] {
        try {
          answers[i] = requests[i]();
        } catch (const std::exception& ex) {
          answers[i].body = ex.what();
        }
      });
      std::this_thread::sleep_for(50ms);
    }
    std::this_thread::sleep_for(200ms);
  }
  for (auto& t : threads)
    t.join();
  INFO(blocker.body);
  REQUIRE(blocker.status == 201);
  return answers;
}

}  // namespace

TEST_CASE(
    "a repeated POST with one Idempotency-Key gets the first answer verbatim and creates "
    "one product") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();

  auto first = http_post(port, "/products/", product("Plumbus"), with_key("create-plumbus"));
  REQUIRE(first.status == 201);
  CHECK(first.header("location") == item("/products/", first.json()["id"]));
  CHECK(first.header("etag") == "\"1\"");
  auto events = all_events(port);
  REQUIRE(events.size() == 1);

  for (const std::string path : {"/products/", "/products"}) {
    INFO(path);
    auto again = http_post(port, path, product("Plumbus"), with_key("create-plumbus"));
    CHECK(verbatim(again) == verbatim(first));
    CHECK(again.json() == first.json());
  }
  CHECK(all_events(port) == events);
  auto list = http_get(port, "/products/").json();
  REQUIRE(list.size() == 1);
  CHECK(list[0] == first.json());
}

TEST_CASE(
    "a repeated PUT gets its first answer even after a later change, which it does not undo") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto path = item("/products/", created(port, "/products/", product("Plumbus", 1.0))["id"]);

  auto first = http_put(port, path, {{"price_shmeckles", 2.0}}, with_key("price-2"));
  REQUIRE(first.status == 200);
  CHECK(first.header("etag") == "\"2\"");
  CHECK(first.json()["price_shmeckles"] == 2.0);
  // Someone else changes the price again, without a key.
  auto later = http_put(port, path, {{"price_shmeckles", 3.0}});
  REQUIRE(later.status == 200);
  auto events = all_events(port);

  auto again = http_put(port, path, {{"price_shmeckles", 2.0}}, with_key("price-2"));
  CHECK(verbatim(again) == verbatim(first));
  CHECK(all_events(port) == events);
  auto now = http_get(port, path);
  CHECK(now.header("etag") == "\"3\"");
  CHECK(now.json() == later.json());
}

TEST_CASE("a repeated DELETE gets 204 again instead of 404 and appends nothing") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto path = item("/products/", created(port, "/products/", product("Plumbus"))["id"]);

  auto first = http_delete(port, path, with_key("delete-plumbus"));
  REQUIRE(first.status == 204);
  CHECK(first.body.empty());
  auto events = all_events(port);
  CHECK(position_header(first) == events.back()["position"].get<int64_t>());

  auto again = http_delete(port, path, with_key("delete-plumbus"));
  CHECK(verbatim(again) == verbatim(first));
  CHECK(all_events(port) == events);
  // The same request without the key is decided afresh.
  CHECK(http_delete(port, path).status == 404);
}

TEST_CASE(
    "a kept 409 for a taken name is given again after the name is free, and creates "
    "nothing") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  for (const std::string collection : {"/categories/", "/tags/"}) {
    INFO(collection);
    auto taken = created(port, collection, {{"name", "Гаджеты"}});
    std::string key = "create-gadgets" + collection;
    auto first = http_post(port, collection, {{"name", "гаджеты"}}, with_key(key));
    REQUIRE(first.status == 409);
    REQUIRE(http_delete(port, item(collection, taken["id"])).status == 204);
    auto events = all_events(port);

    auto again = http_post(port, collection, {{"name", "гаджеты"}}, with_key(key));
    CHECK(verbatim(again) == verbatim(first));
    CHECK(all_events(port) == events);
    CHECK(http_get(port, collection).json() == json::array());
    // The request itself would now succeed: with a new key it does.
    CHECK(http_post(port, collection, {{"name", "гаджеты"}}, with_key(key + "-new")).status == 201);
  }
}

TEST_CASE("a kept 404 is given again after the id exists, and changes nothing") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  // Ids start at 1: these name the product about to be created.
  auto put_first = http_put(port, "/products/1", {{"name", "Renamed"}}, with_key("put-1"));
  auto delete_first = http_delete(port, "/products/1", with_key("delete-1"));
  REQUIRE(put_first.status == 404);
  REQUIRE(delete_first.status == 404);
  CHECK(all_events(port).empty());

  auto plumbus = created(port, "/products/", product("Plumbus"));
  REQUIRE(plumbus["id"] == 1);
  auto events = all_events(port);

  auto put_again = http_put(port, "/products/1", {{"name", "Renamed"}}, with_key("put-1"));
  auto delete_again = http_delete(port, "/products/1", with_key("delete-1"));
  CHECK(verbatim(put_again) == verbatim(put_first));
  CHECK(verbatim(delete_again) == verbatim(delete_first));
  CHECK(all_events(port) == events);
  CHECK(http_get(port, "/products/1").json() == plumbus);
}

TEST_CASE("a kept 412 is given again once If-Match would match, and changes nothing") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto path = item("/products/", created(port, "/products/", product("Plumbus", 1.0))["id"]);

  auto first = http_put(port, path, {{"price_shmeckles", 5.0}},
                        with_key("if-match-2", {{"If-Match", "\"2\""}}));
  REQUIRE(first.status == 412);
  auto to_version_2 = http_put(port, path, {{"price_shmeckles", 2.0}});
  REQUIRE(to_version_2.status == 200);
  REQUIRE(to_version_2.header("etag") == "\"2\"");
  auto events = all_events(port);

  auto again = http_put(port, path, {{"price_shmeckles", 5.0}},
                        with_key("if-match-2", {{"If-Match", "\"2\""}}));
  CHECK(verbatim(again) == verbatim(first));
  CHECK(all_events(port) == events);
  CHECK(http_get(port, path).json() == to_version_2.json());

  // A DELETE refused the same way stays refused too.
  auto delete_first = http_delete(port, path, with_key("delete-if-3", {{"If-Match", "\"3\""}}));
  REQUIRE(delete_first.status == 412);
  REQUIRE(http_put(port, path, {{"price_shmeckles", 3.0}}).status == 200);
  auto delete_again = http_delete(port, path, with_key("delete-if-3", {{"If-Match", "\"3\""}}));
  CHECK(verbatim(delete_again) == verbatim(delete_first));
  CHECK(http_get(port, path).status == 200);
}

TEST_CASE("a kept 422 for a missing category is given again after the category exists") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  json body = product("Plumbus");
  body["category_id"] = 1;
  auto first = http_post(port, "/products/", body, with_key("in-category-1"));
  REQUIRE(first.status == 422);
  REQUIRE(created(port, "/categories/", {{"name", "Гаджеты"}})["id"] == 1);
  auto events = all_events(port);

  auto again = http_post(port, "/products/", body, with_key("in-category-1"));
  CHECK(verbatim(again) == verbatim(first));
  CHECK(all_events(port) == events);
  CHECK(http_get(port, "/products/").json() == json::array());
}

TEST_CASE(
    "the same key with another body, path or method is a 422 naming the header and changes "
    "nothing") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto first = http_post(port, "/products/", product("Plumbus"), with_key("only-for-plumbus"));
  REQUIRE(first.status == 201);
  auto path = item("/products/", first.json()["id"]);
  auto events = all_events(port);
  Headers key = with_key("only-for-plumbus");

  SECTION("another body") {
    check_key_error(http_post(port, "/products/", product("Plumbus", 11.0), key));
  }
  SECTION("the same fields written differently") {
    check_key_error(http_request(port, "POST", "/products/", product("Plumbus").dump(2), key));
  }
  SECTION("another path") {
    check_key_error(http_post(port, "/categories/", {{"name", "x"}}, key));
  }
  SECTION("another method") {
    check_key_error(http_put(port, path, product("Plumbus"), key));
    check_key_error(http_delete(port, path, key));
  }

  CHECK(all_events(port) == events);
  CHECK(http_get(port, path).json() == first.json());
  CHECK(http_get(port, "/categories/").json() == json::array());
  // The key still answers the request it was first sent with.
  CHECK(verbatim(http_post(port, "/products/", product("Plumbus"), key)) == verbatim(first));
}

TEST_CASE("a malformed Idempotency-Key is a 422 naming the header and changes nothing") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto plumbus = created(port, "/products/", product("Plumbus"));
  auto path = item("/products/", plumbus["id"]);
  auto events = all_events(port);

  for (const std::string& bad : {std::string(), std::string(201, 'k'), std::string("two words"),
                                 std::string("clé"), std::string("\x80\x81")}) {
    INFO("key '" << bad << "' of " << bad.size() << " bytes");
    check_key_error(http_post(port, "/products/", product("Another"), with_key(bad)));
    check_key_error(http_put(port, path, {{"name", "Renamed"}}, with_key(bad)));
    check_key_error(http_delete(port, path, with_key(bad)));
  }
  // A control character is not allowed in any header: the request is not HTTP, and the
  // parser refuses it (400) before any route sees it.
  CHECK(http_post(port, "/products/", product("Another"), with_key("del\x7f")).status == 400);
  CHECK(all_events(port) == events);
  CHECK(http_get(port, "/products/").json() == json::array({plumbus}));
}

TEST_CASE("a key of 200 visible ASCII characters is accepted and remembered") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  // Every visible ASCII character, then more letters, up to 200.
  std::string key;
  for (char c = '!'; c <= '~'; ++c)
    key += c;
  while (key.size() < 200)
    key += static_cast<char>('a' + key.size() % 26);
  REQUIRE(key.size() == 200);

  auto first = http_post(port, "/products/", product("Plumbus"), with_key(key));
  REQUIRE(first.status == 201);
  auto again = http_post(port, "/products/", product("Plumbus"), with_key(key));
  CHECK(verbatim(again) == verbatim(first));
  CHECK(all_events(port).size() == 1);
  check_key_error(http_post(port, "/products/", product("Other"), with_key(key)));
}

TEST_CASE("a request refused for its body does not use up its key") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto invalid = http_post(port, "/products/", {{"name", "Plumbus"}}, with_key("fix-and-retry"));
  REQUIRE(invalid.status == 422);
  CHECK(invalid.json()["detail"][0]["loc"][0] == "body");
  CHECK(all_events(port).empty());

  auto fixed = http_post(port, "/products/", product("Plumbus"), with_key("fix-and-retry"));
  CHECK(fixed.status == 201);
  CHECK(verbatim(http_post(port, "/products/", product("Plumbus"), with_key("fix-and-retry"))) ==
        verbatim(fixed));
  CHECK(all_events(port).size() == 1);
}

TEST_CASE("requests without a key are each decided afresh") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto keyed = http_post(port, "/products/", product("Plumbus"), with_key("plumbus"));
  auto plain = http_post(port, "/products/", product("Plumbus"));
  auto plain_again = http_post(port, "/products/", product("Plumbus"));
  REQUIRE(keyed.status == 201);
  REQUIRE(plain.status == 201);
  REQUIRE(plain_again.status == 201);
  std::set<json> ids{keyed.json()["id"], plain.json()["id"], plain_again.json()["id"]};
  CHECK(ids.size() == 3);
  CHECK(all_events(port).size() == 3);
  auto path = item("/products/", plain.json()["id"]);
  CHECK(http_delete(port, path).status == 204);
  CHECK(http_delete(port, path).status == 404);
}

TEST_CASE("kept answers survive a restart and a kill -9") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  REQUIRE(created(port, "/products/", product("Kept", 5.0))["id"] == 1);
  auto doomed = item("/products/", created(port, "/products/", product("Doomed"))["id"]);
  created(port, "/categories/", {{"name", "Гаджеты"}});

  struct Sent {
    std::string method, target, body, key;
    HttpResponse first;
  };
  std::vector<Sent> sent{
      {"POST", "/products/", product("Plumbus").dump(), "create", {}},
      {"PUT", "/products/1", json{{"price_shmeckles", 7.5}}.dump(), "update", {}},
      {"DELETE", doomed, "", "delete", {}},
      {"POST", "/categories/", json{{"name", "гаджеты"}}.dump(), "conflict", {}},
      {"DELETE", "/products/99", "", "missing", {}},
  };
  for (auto& s : sent) {
    s.first = http_request(port, s.method, s.target, s.body, with_key(s.key));
    INFO(s.method << " " << s.target << " -> " << s.first.status << " " << s.first.body);
    REQUIRE(s.first.status < 500);
  }
  auto events = all_events(port);

  auto check_all_kept = [&](unsigned short now) {
    for (const auto& s : sent) {
      INFO(s.method << " " << s.target);
      CHECK(verbatim(http_request(now, s.method, s.target, s.body, with_key(s.key))) ==
            verbatim(s.first));
      check_key_error(http_request(now, "POST", "/tags/", R"({"name":"other"})", with_key(s.key)));
    }
    CHECK(all_events(now) == events);
  };

  SECTION("a clean restart") {
    REQUIRE(server.stop() == 0);
    server.restart();
    check_all_kept(server.port());
  }
  SECTION("kill -9") {
    server.kill9();
    server.restart();
    check_all_kept(server.port());
  }
}

TEST_CASE("sixteen concurrent requests with one key and body get one decision and one answer") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  constexpr int kClients = 16;
  // Several rounds, so that the requests meet both in one batch and in batches after it.
  for (int round = 0; round < 5; ++round) {
    INFO("round " << round);
    std::string key = "create-" + std::to_string(round);
    json body = product("Plumbus " + std::to_string(round));
    auto answers =
        race(kClients, [&](int) { return http_post(port, "/products/", body, with_key(key)); });
    INFO(statuses(answers));
    REQUIRE(answers[0].status == 201);
    for (const auto& a : answers)
      CHECK(verbatim(a) == verbatim(answers[0]));
    CHECK(http_get(port, "/products/?limit=1000").json().size() == static_cast<size_t>(round + 1));
    CHECK(all_events(port).size() == static_cast<size_t>(round + 1));
  }

  // Concurrent DELETEs with one key: all 204 (without a key, one would get 404s).
  auto path = item("/products/", json(1));
  auto deletes = race(kClients, [&](int) { return http_delete(port, path, with_key("delete-1")); });
  INFO(statuses(deletes));
  for (const auto& a : deletes) {
    CHECK(a.status == 204);
    CHECK(verbatim(a) == verbatim(deletes[0]));
  }
  CHECK(all_events(port).size() == 6);
}

TEST_CASE("requests with one key and body that arrive in one batch get one decision") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  auto port = server.port();
  auto before = all_events(port);
  std::vector<std::function<HttpResponse()>> requests(
      6, [&] { return http_post(port, "/products/", product("Plumbus"), with_key("batched")); });
  auto answers = in_one_batch(port, db, requests);
  INFO(statuses(answers));
  REQUIRE(answers[0].status == 201);
  for (const auto& a : answers)
    CHECK(verbatim(a) == verbatim(answers[0]));
  // The blocker and one product.
  CHECK(all_events(port).size() == before.size() + 2);
  CHECK(http_get(port, "/products/").json().size() == 1);
}

TEST_CASE(
    "one key sent with two bodies in one batch: the first is decided, every repeat of it "
    "gets its answer and the other body a 422") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  auto port = server.port();
  auto send = [&](const std::string& name) {
    return [&, name] { return http_post(port, "/products/", product(name), with_key("one-key")); };
  };
  // In order of arrival: the first request, another body, the first request again.
  auto answers = in_one_batch(port, db, {send("Plumbus"), send("Fleeb"), send("Plumbus")});
  INFO(statuses(answers));
  // Whichever body was decided first (the server may take them in another order than they
  // were sent), every request with it gets its one answer and the other body a 422.
  auto products = http_get(port, "/products/").json();
  REQUIRE(products.size() == 1);
  std::string winner = products[0]["name"];
  std::vector<std::string> names{"Plumbus", "Fleeb", "Plumbus"};
  const HttpResponse* won = nullptr;
  for (size_t i = 0; i < answers.size(); ++i) {
    INFO("request " << i << ", " << names[i]);
    if (names[i] != winner) {
      check_key_error(answers[i]);
      continue;
    }
    CHECK(answers[i].status == 201);
    if (!won) won = &answers[i];
    CHECK(verbatim(answers[i]) == verbatim(*won));
  }
}

TEST_CASE("concurrent requests with distinct keys are all decided, and their retries all kept") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  constexpr int kClients = 16;
  auto send = [&](int i) {
    return http_post(port, "/products/", product("Plumbus"),
                     with_key("client-" + std::to_string(i)));
  };
  auto answers = race(kClients, send);
  INFO(statuses(answers));
  std::set<json> ids;
  for (const auto& a : answers) {
    REQUIRE(a.status == 201);
    ids.insert(a.json()["id"]);
  }
  CHECK(ids.size() == kClients);
  auto events = all_events(port);
  CHECK(events.size() == kClients);

  auto retries = race(kClients, send);
  for (int i = 0; i < kClients; ++i)
    CHECK(verbatim(retries[i]) == verbatim(answers[i]));
  CHECK(all_events(port) == events);
}

TEST_CASE("Catalog-Position on a mutation's answer is the position of the event it wrote") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();

  auto category = http_post(port, "/categories/", {{"name", "Гаджеты"}});
  auto plumbus = http_post(port, "/products/", product("Plumbus"), with_key("create"));
  auto update = http_put(port, "/products/1", {{"price_shmeckles", 3.0}}, with_key("update"));
  auto remove = http_delete(port, "/categories/1");
  auto events = all_events(port);
  REQUIRE(events.size() == 4);
  int i = 0;
  for (const auto* res : {&category, &plumbus, &update, &remove}) {
    INFO(events[i].dump());
    CHECK(position_header(*res) == events[i]["position"].get<int64_t>());
    ++i;
  }
  CHECK(events[1]["type"] == "ProductCreated");
  CHECK(events[2]["type"] == "ProductUpdated");

  // Under concurrent writes, where many share one commit, each answer still names its own
  // event.
  constexpr int kClients = 12;
  auto answers = race(kClients, [&](int n) {
    return http_post(port, "/products/", product("Racer " + std::to_string(n)),
                     with_key("racer-" + std::to_string(n)));
  });
  INFO(statuses(answers));
  events = all_events(port);
  for (const auto& a : answers) {
    REQUIRE(a.status == 201);
    std::string stream = "product-" + a.json()["id"].dump();
    auto own = std::find_if(events.begin(), events.end(),
                            [&](const json& e) { return e["stream"] == stream; });
    REQUIRE(own != events.end());
    CHECK(position_header(a) == (*own)["position"].get<int64_t>());
  }
}

TEST_CASE("an update that changes nothing answers 200 with the log's head and appends no event") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto plumbus = created(port, "/products/", product("Plumbus", 4.0));
  created(port, "/tags/", {{"name", "Хит"}});
  auto events = all_events(port);
  int64_t head = events.back()["position"].get<int64_t>();

  auto same = http_put(port, "/products/1", {{"price_shmeckles", 4.0}}, with_key("no-op"));
  REQUIRE(same.status == 200);
  CHECK(same.json() == plumbus);
  CHECK(position_header(same) == head);
  auto plain = http_put(port, "/products/1", {{"name", "Plumbus"}});
  REQUIRE(plain.status == 200);
  CHECK(position_header(plain) == head);
  CHECK(all_events(port) == events);

  // Refusals name the head too.
  auto missing = http_delete(port, "/products/42");
  REQUIRE(missing.status == 404);
  CHECK(position_header(missing) == head);

  // After later writes the kept no-op still answers the head it was decided at.
  created(port, "/tags/", {{"name", "Новинка"}});
  REQUIRE(log_head(port) == head + 1);
  CHECK(verbatim(http_put(port, "/products/1", {{"price_shmeckles", 4.0}}, with_key("no-op"))) ==
        verbatim(same));
}
