// CATALOG_API_TOKEN: while it is set, every mutation (each operation /openapi.json marks with
// "security") needs `Authorization: Bearer <token>`, answers 401 otherwise and changes
// nothing; reads stay open; without it mutations are open. The token never shows in the log
// nor in an answer.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;

namespace {

struct Operation {
  std::string method;                       // upper case
  std::string route;                        // as /openapi.json names it, e.g. "/products/{id}"
  std::vector<std::string> required_query;  // e.g. position of /audit/proof/inclusion
};

std::string random_token() {
  std::mt19937_64 random(std::random_device{}());
  return "tok-SECRET-" + std::to_string(random());
}

Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

json get_json(unsigned short port, const std::string& target) {
  auto res = http_get(port, target);
  INFO("GET " << target << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 200);
  return res.json();
}

// The bot's routes have rules of their own (tested in subscribers_test): the administrators'
// need the token even to read, the webhook has Telegram's secret instead.
bool bot_route(const std::string& route) {
  return route.rfind("/subscribers", 0) == 0 || route.rfind("/telegram/", 0) == 0;
}

// Every operation of /openapi.json but the bot's, split by whether it declares "security".
struct Operations {
  std::vector<Operation> secured, open;
};

Operations operations(unsigned short port) {
  Operations ops;
  json doc = get_json(port, "/openapi.json");
  for (const auto& [route, methods] : doc["paths"].items()) {
    if (bot_route(route)) continue;
    for (const auto& [method, op] : methods.items()) {
      Operation o{upper(method), route, {}};
      for (const auto& p : op.value("parameters", json::array()))
        if (p.value("in", "") == "query" && p.value("required", false))
          o.required_query.push_back(p["name"]);
      (op.contains("security") ? ops.secured : ops.open).push_back(o);
    }
  }
  return ops;
}

// "/categories/{id}" -> "categories"
std::string collection_of(const std::string& route) {
  return route.substr(1, route.find('/', 1) - 1);
}

// The existing entities the operations name, by collection.
struct World {
  long long category = 0, tag = 0, product = 0;
  long long id_in(const std::string& collection) const {
    if (collection == "categories") return category;
    if (collection == "tags") return tag;
    return product;
  }
};

json created(unsigned short port, const std::string& target, const json& body,
             const Headers& headers) {
  auto res = http_post(port, target, body, headers);
  INFO("POST " << target << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 201);
  return res.json();
}

World make_world(unsigned short port, const Headers& auth, const std::string& suffix) {
  World w;
  w.category = created(port, "/categories/", {{"name", "Гаджеты " + suffix}}, auth)["id"];
  w.tag = created(port, "/tags/", {{"name", "Хит " + suffix}}, auth)["id"];
  w.product = created(port, "/products/",
                      {{"name", "Портальная пушка " + suffix},
                       {"price_shmeckles", 250.5},
                       {"price_flurbos", 180},
                       {"category_id", w.category},
                       {"tag_ids", {w.tag}}},
                      auth)["id"];
  return w;
}

// The operation's path with the ids of `world` in place of its parameters.
std::string target_of(const Operation& op, const World& world) {
  std::string target = op.route;
  auto at = target.find("{id}");
  if (at != std::string::npos)
    target.replace(at, 4, std::to_string(world.id_in(collection_of(op.route))));
  // 1 is a position and a tree size of any log the world has written to.
  for (size_t i = 0; i < op.required_query.size(); ++i)
    target += (i == 0 ? "?" : "&") + op.required_query[i] + "=1";
  return target;
}

// A body the operation would accept, so that only the credentials can make it fail.
std::string body_of(const Operation& op, const World& world, const std::string& suffix) {
  if (op.method == "DELETE") return "";
  if (collection_of(op.route) == "products") {
    if (op.method == "PUT") return json{{"price_shmeckles", 77}}.dump();
    return json{{"name", "Плюмбус " + suffix},
                {"price_shmeckles", 12},
                {"price_flurbos", 8.5},
                {"category_id", world.category},
                {"tag_ids", {world.tag}}}
        .dump();
  }
  return json{{"name", op.method + " " + suffix}}.dump();
}

HttpResponse send(unsigned short port, const Operation& op, const World& world,
                  const std::string& suffix, const Headers& headers) {
  return http_request(port, op.method, target_of(op, world), body_of(op, world, suffix), headers);
}

// Everything a client can read of the catalog, and the head of its log.
json state(unsigned short port) {
  return json{{"categories", get_json(port, "/categories/")},
              {"tags", get_json(port, "/tags/")},
              {"products", get_json(port, "/products/?limit=1000")},
              {"health", get_json(port, "/health")}};
}

int success_status(const std::string& method) {
  if (method == "POST") return 201;
  if (method == "DELETE") return 204;
  return 200;
}

// Creations first and deletions last, so each operation finds what it names.
std::vector<Operation> in_lifecycle_order(std::vector<Operation> ops) {
  auto rank = [](const Operation& o) { return o.method == "POST" ? 0 : o.method == "PUT" ? 1 : 2; };
  std::stable_sort(ops.begin(), ops.end(),
                   [&](const Operation& a, const Operation& b) { return rank(a) < rank(b); });
  return ops;
}

void check_every_mutation_succeeds(unsigned short port, const Headers& auth) {
  auto secured = in_lifecycle_order(operations(port).secured);
  REQUIRE_FALSE(secured.empty());
  World world = make_world(port, auth, "lifecycle");
  for (const auto& op : secured) {
    if (op.method == "POST") {
      auto res = send(port, op, world, "new", auth);
      INFO(op.method << " " << op.route << " -> " << res.status << " " << res.body);
      REQUIRE(res.status == 201);
      continue;
    }
    auto res = send(port, op, world, "changed", auth);
    INFO(op.method << " " << op.route << " -> " << res.status << " " << res.body);
    CHECK(res.status == success_status(op.method));
  }
}

// The credentials a client may wrongly send; none of them is the token.
std::vector<std::optional<std::string>> wrong_authorizations(const std::string& token) {
  return {std::nullopt,
          "Bearer wrong",
          "Bearer " + token + "x",
          "Bearer " + token.substr(0, token.size() - 1),
          "Bearer " + std::string(token.size(), 'a'),
          "Bearer " + token + " " + token,
          "Basic dXNlcjpwYXNzd29yZA==",
          "Basic " + token,
          "Token " + token,
          token,
          "Bearer",
          "Bearer" + token,
          ""};
}

}  // namespace

TEST_CASE("/openapi.json marks exactly the POST, PUT and DELETE operations as secured") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"), {{"CATALOG_API_TOKEN", random_token()}});
  json paths = get_json(server.port(), "/openapi.json")["paths"];
  CHECK(paths["/subscribers"]["get"].contains("security"));
  CHECK(paths["/subscribers/{chat_id}"]["delete"].contains("security"));
  CHECK_FALSE(paths["/telegram/webhook"]["post"].contains("security"));
  auto ops = operations(server.port());
  REQUIRE(ops.secured.size() >= 9);  // create, update and delete of three resources
  for (const auto& op : ops.secured) {
    INFO(op.method << " " << op.route);
    CHECK((op.method == "POST" || op.method == "PUT" || op.method == "DELETE"));
  }
  for (const auto& op : ops.open) {
    INFO(op.method << " " << op.route);
    CHECK(op.method == "GET");
  }
  for (const std::string collection : {"categories", "tags", "products"}) {
    for (const std::string method : {"POST", "PUT", "DELETE"}) {
      INFO(method << " " << collection);
      CHECK(std::any_of(ops.secured.begin(), ops.secured.end(), [&](const Operation& o) {
        return o.method == method && collection_of(o.route) == collection;
      }));
    }
  }
}

TEST_CASE("with a token set, a mutation without the right token is a 401 and changes nothing") {
  TempDir dir;
  std::string token = random_token();
  ServerProcess server(dir.path(), dir.file("catalog.db"), {{"CATALOG_API_TOKEN", token}});
  unsigned short port = server.port();
  World world = make_world(port, bearer(token), "base");
  json before = state(port);

  for (const auto& op : operations(port).secured) {
    for (const auto& authorization : wrong_authorizations(token)) {
      Headers headers;
      if (authorization) headers.emplace_back("Authorization", *authorization);
      auto res = send(port, op, world, "intruder", headers);
      INFO(op.method << " " << target_of(op, world)
                     << " with Authorization: " << authorization.value_or("(none)") << " -> "
                     << res.status << " " << res.body);
      CHECK(res.status == 401);
      CHECK(contains(res.header("content-type"), "application/json"));
      auto body = json::parse(res.body, nullptr, false);
      CHECK((body.is_object() && body.contains("detail") && body["detail"].is_string()));
      std::string challenge = res.header("www-authenticate");
      CHECK(upper(challenge.substr(0, 6)) == "BEARER");
    }
  }
  CHECK(state(port) == before);
}

TEST_CASE("with a token set, every mutation succeeds with the right token") {
  TempDir dir;
  std::string token = random_token();
  ServerProcess server(dir.path(), dir.file("catalog.db"), {{"CATALOG_API_TOKEN", token}});
  check_every_mutation_succeeds(server.port(), bearer(token));
}

TEST_CASE("the Bearer scheme of the token is case-insensitive") {
  TempDir dir;
  std::string token = random_token();
  ServerProcess server(dir.path(), dir.file("catalog.db"), {{"CATALOG_API_TOKEN", token}});
  int created = 0;
  for (const std::string scheme : {"bearer", "BEARER", "BeArEr"}) {
    auto res = http_post(server.port(), "/tags/", {{"name", "tag " + std::to_string(++created)}},
                         {{"Authorization", scheme + " " + token}});
    INFO(scheme << " -> " << res.status << " " << res.body);
    CHECK(res.status == 201);
  }
}

TEST_CASE("with a token set, every GET stays open without a token") {
  TempDir dir;
  std::string token = random_token();
  ServerProcess server(dir.path(), dir.file("catalog.db"), {{"CATALOG_API_TOKEN", token}});
  unsigned short port = server.port();
  World world = make_world(port, bearer(token), "read");
  // The documentation pages name the assets their {asset} routes serve.
  std::map<std::string, std::string> asset_of;
  for (const std::string page : {"/docs", "/redoc"}) {
    std::smatch m;
    std::string html = http_get(port, page).body;
    if (std::regex_search(html, m, std::regex("\"" + page + "/([^\"?]+)"))) asset_of[page] = m[1];
  }

  auto open = operations(port).open;
  REQUIRE(open.size() >= 10);
  for (const auto& op : open) {
    std::string target = target_of(op, world);
    if (auto at = target.find("{asset}"); at != std::string::npos) {
      std::string page = target.substr(0, at - 1);
      REQUIRE(asset_of.count(page) == 1);
      target.replace(at, 7, asset_of[page]);
    }
    INFO("GET " << target);
    if (target == "/events/stream") {
      // An endless stream: its head is enough.
      std::string answer =
          raw_exchange(port, "GET /events/stream HTTP/1.1\r\nHost: x\r\n\r\n", 500);
      CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
      continue;
    }
    auto res = http_get(port, target);
    INFO(res.status << " " << res.body.substr(0, 200));
    CHECK(res.status == 200);
  }
}

TEST_CASE("without CATALOG_API_TOKEN mutations need no token") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  check_every_mutation_succeeds(server.port(), {});
}

TEST_CASE("without CATALOG_API_TOKEN any Authorization header is ignored") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  check_every_mutation_succeeds(server.port(), {{"Authorization", "Bearer whatever"}});
}

TEST_CASE("the token never appears in the server log nor in an answer") {
  TempDir dir;
  std::string token = random_token();
  ServerProcess server(dir.path(), dir.file("catalog.db"), {{"CATALOG_API_TOKEN", token}});
  unsigned short port = server.port();
  std::vector<HttpResponse> answers;
  World world = make_world(port, bearer(token), "secret");
  // Right and wrong tokens, requests that fail with the right one, and the service's pages.
  answers.push_back(http_post(port, "/tags/", {{"name", "ok"}}, bearer(token)));
  answers.push_back(http_post(port, "/tags/", {{"name", "no"}}, bearer(token + "x")));
  answers.push_back(
      http_post(port, "/tags/", {{"name", "no"}}, {{"Authorization", "Basic " + token}}));
  answers.push_back(http_post(port, "/tags/", {{"name", ""}}, bearer(token)));
  answers.push_back(http_request(port, "POST", "/products/", "{not json", bearer(token)));
  answers.push_back(http_put(port, "/products/999999", {{"price_shmeckles", 1}}, bearer(token)));
  answers.push_back(http_delete(port, "/categories/999999", bearer(token)));
  answers.push_back(http_post(port, "/tags/", {{"name", "ok"}}, bearer(token)));  // 409
  answers.push_back(http_request(port, "PATCH", "/tags/", "", bearer(token)));
  answers.push_back(http_delete(port, "/products/" + std::to_string(world.product), bearer(token)));
  for (const std::string page :
       {"/openapi.json", "/metrics", "/docs", "/redoc", "/health", "/events", "/audit/verify"}) {
    answers.push_back(http_get(port, page));
  }
  REQUIRE(server.stop() == 0);

  std::string log = server.log();
  INFO(log);
  CHECK_FALSE(contains(log, token));
  CHECK_FALSE(contains(log, "SECRET"));
  for (const auto& res : answers) {
    INFO(res.status << " " << res.body.substr(0, 300));
    CHECK_FALSE(contains(res.body, token));
    for (const auto& [name, value] : res.headers) {
      INFO(name << ": " << value);
      CHECK_FALSE(contains(value, token));
    }
  }
}
