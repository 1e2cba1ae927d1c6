// Clients that collide: the catalog serialises them so that names stay unique, ids stay
// distinct, every acknowledged write is readable at once and If-Match lets exactly one win.
#include <algorithm>
#include <catch2/catch.hpp>
#include <exception>
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

namespace {

constexpr int kClients = 8;

// One name in eight spellings that differ only in case.
const std::vector<std::string> kSpellings{"Гаджеты", "ГАДЖЕТЫ", "гаджеты", "гАДЖЕТЫ",
                                          "ГаДжЕтЫ", "гАдЖеТы", "ГАДжеты", "гаджЕТЫ"};

std::string item(const std::string& collection, const json& id) {
  return collection + std::to_string(id.get<long long>());
}

json created(unsigned short port, const std::string& collection, const json& body) {
  auto res = http_post(port, collection, body);
  INFO(collection << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 201);
  return res.json();
}

// Runs `request(i)` for i in [0, kClients) on as many threads, released together so that
// the requests collide. Catch2 assertions are not thread-safe: the threads only record.
template <class Request>
std::vector<HttpResponse> race(Request request) {
  std::vector<HttpResponse> answers(kClients);
  std::latch start(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
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

int count_status(const std::vector<HttpResponse>& answers, int status) {
  return static_cast<int>(std::count_if(answers.begin(), answers.end(),
                                        [status](const auto& a) { return a.status == status; }));
}

std::string statuses(const std::vector<HttpResponse>& answers) {
  std::string out;
  for (const auto& a : answers)
    out += std::to_string(a.status) + " " + a.body + "\n";
  return out;
}

// Exactly one answer is `winner`, every other one is `loser`.
void check_one_wins(const std::vector<HttpResponse>& answers, int winner, int loser) {
  INFO(statuses(answers));
  CHECK(count_status(answers, winner) == 1);
  CHECK(count_status(answers, loser) == kClients - 1);
}

int index_of_status(const std::vector<HttpResponse>& answers, int status) {
  auto it = std::find_if(answers.begin(), answers.end(),
                         [status](const auto& a) { return a.status == status; });
  return it == answers.end() ? -1 : static_cast<int>(it - answers.begin());
}

}  // namespace

TEST_CASE("racing creates of one name spelt in different cases: one 201, all others 409") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  for (const std::string collection : {"/categories/", "/tags/"}) {
    auto answers = race([&](int i) {
      return http_post(port, collection, {{"name", kSpellings[i]}});
    });
    check_one_wins(answers, 201, 409);
    int winner = index_of_status(answers, 201);
    REQUIRE(winner >= 0);
    auto list = http_get(port, collection).json();
    INFO(list.dump());
    REQUIRE(list.size() == 1);
    CHECK(list[0] == answers[winner].json());
    CHECK(list[0]["name"] == kSpellings[winner]);
  }
}

TEST_CASE("racing renames of different categories or tags onto one name: one 200, all others 409") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  for (const std::string collection : {"/categories/", "/tags/"}) {
    std::vector<json> before;
    for (int i = 0; i < kClients; ++i) {
      before.push_back(created(port, collection, {{"name", "до " + std::to_string(i)}}));
    }
    auto answers = race([&](int i) {
      return http_put(port, item(collection, before[i]["id"]), {{"name", kSpellings[i]}});
    });
    check_one_wins(answers, 200, 409);
    int winner = index_of_status(answers, 200);
    REQUIRE(winner >= 0);

    auto expected = json::array();
    for (int i = 0; i < kClients; ++i) {
      expected.push_back(i == winner ? json{{"id", before[i]["id"]}, {"name", kSpellings[i]}}
                                     : before[i]);
    }
    CHECK(http_get(port, collection).json() == expected);
  }
}

TEST_CASE("concurrent product creates all succeed with distinct ids, each readable at once") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  constexpr int kEach = 25;
  struct Outcome {
    int created = 0;
    int read = 0;
    json answered;
    json read_back;
  };
  std::vector<std::vector<Outcome>> outcomes(kClients, std::vector<Outcome>(kEach));
  // A thread that throws (no answer at all) says why in its answer's body.
  auto answers = race([&](int client) {
    for (int n = 0; n < kEach; ++n) {
      json body{{"name", "Товар " + std::to_string(client) + "-" + std::to_string(n)},
                {"price_shmeckles", client + n / 100.0},
                {"price_flurbos", n}};
      auto res = http_post(port, "/products/", body);
      auto& outcome = outcomes[client][n];
      outcome.created = res.status;
      if (res.status != 201) continue;
      outcome.answered = res.json();
      auto read = http_get(port, item("/products/", outcome.answered["id"]));
      outcome.read = read.status;
      if (read.status == 200) outcome.read_back = read.json();
    }
    return HttpResponse{};
  });

  INFO(statuses(answers));
  std::set<long long> ids;
  for (const auto& client : outcomes) {
    for (const auto& outcome : client) {
      INFO(outcome.answered.dump());
      REQUIRE(outcome.created == 201);
      CHECK(outcome.read == 200);
      CHECK(outcome.read_back == outcome.answered);
      ids.insert(outcome.answered["id"].get<long long>());
    }
  }
  CHECK(ids.size() == kClients * kEach);
  auto list = http_get(port, "/products/?limit=1000");
  CHECK(list.header("x-total-count") == std::to_string(kClients * kEach));
  CHECK(list.json().size() == kClients * kEach);
}

TEST_CASE("concurrent updates with the same If-Match: one 200, all others 412") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto path =
      item("/products/",
           created(port, "/products/",
                   {{"name", "Plumbus"}, {"price_shmeckles", 1.0}, {"price_flurbos", 1.0}})["id"]);
  for (int version = 1; version <= 3; ++version) {
    INFO("If-Match \"" << version << "\"");
    auto answers = race([&](int i) {
      return http_put(port, path, {{"price_shmeckles", 100.0 * version + i}},
                      {{"If-Match", "\"" + std::to_string(version) + "\""}});
    });
    check_one_wins(answers, 200, 412);
    int winner = index_of_status(answers, 200);
    REQUIRE(winner >= 0);
    auto now = http_get(port, path);
    CHECK(now.header("etag") == "\"" + std::to_string(version + 1) + "\"");
    CHECK(now.json() == answers[winner].json());
    CHECK(now.json()["price_shmeckles"] == 100.0 * version + winner);
  }
}

TEST_CASE("racing deletes of one product: one 204, all others 404") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto path =
      item("/products/",
           created(port, "/products/",
                   {{"name", "Plumbus"}, {"price_shmeckles", 1.0}, {"price_flurbos", 1.0}})["id"]);
  check_one_wins(race([&](int) { return http_delete(port, path); }), 204, 404);
  CHECK(http_get(port, path).status == 404);
  CHECK(http_get(port, "/products/").json() == json::array());
}

TEST_CASE("a product created while its category and tag are deleted never keeps them") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  for (int round = 0; round < 5; ++round) {
    auto category = created(port, "/categories/", {{"name", "к" + std::to_string(round)}});
    auto tag = created(port, "/tags/", {{"name", "т" + std::to_string(round)}});
    auto answers = race([&](int i) {
      if (i == 0) return http_delete(port, item("/categories/", category["id"]));
      if (i == 1) return http_delete(port, item("/tags/", tag["id"]));
      return http_post(port, "/products/",
                       {{"name", "Plumbus"},
                        {"price_shmeckles", 1.0},
                        {"price_flurbos", 1.0},
                        {"category_id", category["id"]},
                        {"tag_ids", json::array({tag["id"]})}});
    });
    INFO(statuses(answers));
    CHECK(answers[0].status == 204);
    CHECK(answers[1].status == 204);
    for (int i = 2; i < kClients; ++i) {
      CHECK((answers[i].status == 201 || answers[i].status == 422));
    }
  }
  for (const auto& product : http_get(port, "/products/?limit=1000").json()) {
    INFO(product.dump());
    CHECK(product["category_id"].is_null());
    CHECK(product["category"].is_null());
    CHECK(product["tags"] == json::array());
  }
}

TEST_CASE("under concurrent writes each filtered list shows an acknowledged change at once") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto tag = created(port, "/tags/", {{"name", "хит"}})["id"];
  constexpr int kEach = 10;
  // Each check that failed, said in words; Catch2 assertions are not thread-safe.
  std::vector<std::vector<std::string>> failures(kClients);
  auto answers = race([&](int client) {
    auto expect = [&](const std::string& query, const std::string& total, const std::string& what) {
      auto res = http_get(port, "/products/?" + query);
      if (res.status != 200 || res.header("x-total-count") != total)
        failures[client].push_back(what + ": " + query + " -> " + std::to_string(res.status) +
                                   " total " + res.header("x-total-count"));
    };
    for (int n = 0; n < kEach; ++n) {
      // A name no other product contains: "qzk" and four letters from the client and n.
      std::string token = "qzk" + std::string(1, char('a' + client)) + char('a' + n) + "x";
      auto res = http_post(port, "/products/",
                           {{"name", "Плюмбус " + token},
                            {"price_shmeckles", 50.0},
                            {"price_flurbos", 1.0},
                            {"tag_ids", json::array({tag})}});
      if (res.status != 201) {
        failures[client].push_back("create " + std::to_string(res.status));
        continue;
      }
      auto id = res.json()["id"];
      std::string by_all = "name=" + token + "&tag_ids=" + tag.dump() +
                           "&min_price_shmeckles=10&max_price_shmeckles=100";
      expect(by_all, "1", "after the create");
      auto put = http_put(port, item("/products/", id),
                          {{"price_shmeckles", 500.0}, {"tag_ids", json::array()}});
      if (put.status != 200) failures[client].push_back("update " + std::to_string(put.status));
      expect(by_all, "0", "after the update");
      expect("name=" + token + "&min_price_shmeckles=499", "1", "at its new price");
      http_delete(port, item("/products/", id));
      expect("name=" + token, "0", "after the delete");
    }
    return HttpResponse{};
  });
  INFO(statuses(answers));
  for (const auto& client : failures) {
    for (const auto& failure : client)
      FAIL_CHECK(failure);
  }
  auto tagged = http_get(port, "/products/?tag_ids=" + tag.dump());
  CHECK(tagged.header("x-total-count") == "0");
}
