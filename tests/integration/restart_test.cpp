// Durability across restarts and the rebuild of the read model from the event log.
#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;

namespace {

// A filtered list and its X-Total-Count.
json filtered(unsigned short port, const std::string& query) {
  auto res = http_get(port, "/products/?" + query);
  return json{{"total", res.header("x-total-count")}, {"page", res.json()}};
}

// Everything a client can read of the catalog, to compare two states; the filtered lists
// are counted by the filter index, which a start reads whole from the tables.
json snapshot(unsigned short port) {
  return json{{"categories", http_get(port, "/categories/").json()},
              {"tags", http_get(port, "/tags/").json()},
              {"products", http_get(port, "/products/?limit=1000").json()},
              {"by name and price", filtered(port, "name=товар&min_price_shmeckles=20&limit=3")},
              {"by tag", filtered(port, "tag_ids=1&max_price_flurbos=15&sort=-id")},
              {"by category", filtered(port, "category_id=1&skip=2")}};
}

void make_catalog(unsigned short port) {
  auto gadgets = http_post(port, "/categories/", {{"name", "Гаджеты"}}).json();
  auto food = http_post(port, "/categories/", {{"name", "Еда"}}).json();
  auto hit = http_post(port, "/tags/", {{"name", "Хит"}}).json();
  auto fresh = http_post(port, "/tags/", {{"name", "Новинка"}}).json();
  for (int i = 0; i < 20; ++i) {
    json body{
        {"name", "Товар " + std::to_string(i)},
        {"price_shmeckles", 10.5 * i},
        {"price_flurbos", i},
        {"category_id", i % 2 ? gadgets["id"] : food["id"]},
        {"tag_ids", i % 3 ? json::array({hit["id"]}) : json::array({hit["id"], fresh["id"]})}};
    REQUIRE(http_post(port, "/products/", body).status == 201);
  }
  REQUIRE(http_put(port, "/products/3", {{"price_shmeckles", 99.0}, {"tag_ids", json::array()}})
              .status == 200);
  REQUIRE(http_delete(port, "/products/4").status == 204);
  REQUIRE(http_put(port, "/categories/" + std::to_string(gadgets["id"].get<int>()),
                   {{"name", "Девайсы"}})
              .status == 200);
  REQUIRE(http_delete(port, "/tags/" + std::to_string(fresh["id"].get<int>())).status == 204);
  REQUIRE(http_delete(port, "/categories/" + std::to_string(food["id"].get<int>())).status == 204);
}

}  // namespace

TEST_CASE("a restarted server serves exactly what it acknowledged before") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  make_catalog(server.port());
  json before = snapshot(server.port());
  REQUIRE(server.stop() == 0);
  server.restart();
  CHECK(snapshot(server.port()) == before);
}

TEST_CASE("acknowledged writes survive kill -9") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  make_catalog(server.port());
  json before = snapshot(server.port());
  server.kill9();
  server.restart();
  CHECK(snapshot(server.port()) == before);
}

TEST_CASE("ids are never reused, not even after the newest is deleted and the server restarts") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto first = http_post(server.port(), "/tags/", {{"name", "one"}}).json();
  REQUIRE(http_delete(server.port(), "/tags/" + first["id"].dump()).status == 204);
  server.restart();
  auto second = http_post(server.port(), "/tags/", {{"name", "one"}}).json();
  CHECK(second["id"].get<int>() == first["id"].get<int>() + 1);
}

TEST_CASE("the read model rebuilt from the event log equals the live one") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  make_catalog(server.port());
  json live = snapshot(server.port());
  REQUIRE(server.stop() == 0);

  // Dropping the read model (a downgrade to the event log's revision) and upgrading again leaves
  // empty tables and no checkpoint: the next start must rebuild them all from the log.
  Env env{{"DATABASE_URL", database_url(db)}};
  auto down = run_catalog(dir.path(), {"migrate", "downgrade", "0001"}, env);
  REQUIRE(down.exit_code == 0);
  auto up = run_catalog(dir.path(), {"migrate", "upgrade"}, env);
  REQUIRE(up.exit_code == 0);

  server.restart();
  CHECK(snapshot(server.port()) == live);
}

TEST_CASE("SIGTERM under concurrent writes exits cleanly and loses no acknowledged write") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<int> acknowledged;
  std::vector<std::thread> writers;
  for (int w = 0; w < 6; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; !stop; ++i) {
        try {
          auto r = http_post(port, "/tags/",
                             {{"name", "w" + std::to_string(w) + "-" + std::to_string(i)}});
          if (r.status == 201) {
            std::lock_guard lock(mu);
            acknowledged.push_back(r.json()["id"].get<int>());
          }
        } catch (const std::exception&) {
          return;  // the server has gone: what it answered before is what counts
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int code = server.stop();
  stop = true;
  for (auto& t : writers)
    t.join();
  CHECK(code == 0);
  REQUIRE_FALSE(acknowledged.empty());
  server.restart();
  std::set<int> present;
  for (const auto& t : http_get(server.port(), "/tags/").json())
    present.insert(t["id"].get<int>());
  for (int id : acknowledged)
    CHECK(present.count(id) == 1);
}
