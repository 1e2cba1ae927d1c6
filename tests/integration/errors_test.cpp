// Every row of API.md's Errors table that applies without a token: the status, the body's
// shape, and that the failed request changed nothing and appended no event.
#include <catch2/catch.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;

namespace {

std::string item(const std::string& collection, const json& id) {
  return collection + std::to_string(id.get<long long>());
}

json created(unsigned short port, const std::string& collection, const json& body) {
  auto res = http_post(port, collection, body);
  INFO(collection << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 201);
  return res.json();
}

// A server with one category, one tag and one product that uses both.
struct Catalog {
  TempDir dir;
  ServerProcess server{dir.path(), dir.file("catalog.db")};
  unsigned short port = server.port();
  json category = created(port, "/categories/", {{"name", "Гаджеты"}});
  json tag = created(port, "/tags/", {{"name", "Хит"}});
  json product = created(port, "/products/",
                         {{"name", "Портальная пушка"},
                          {"price_shmeckles", 250.5},
                          {"price_flurbos", 180.0},
                          {"category_id", category["id"]},
                          {"tag_ids", json::array({tag["id"]})}});
  std::string product_path = item("/products/", product["id"]);

  // Everything a client can read, and the head of the event log: equal snapshots mean
  // nothing changed and no event was appended.
  json snapshot() const {
    auto health = http_get(port, "/health");
    REQUIRE(health.status == 200);
    return json{{"position", health.json()["position"]},
                {"categories", http_get(port, "/categories/").json()},
                {"tags", http_get(port, "/tags/").json()},
                {"products", http_get(port, "/products/?limit=1000").json()}};
  }

  // Sends a request that must fail, checks that it left everything as it was, and returns
  // its answer.
  HttpResponse refused(const std::string& method, const std::string& target,
                       const std::string& body = "", const Headers& headers = {}) const {
    auto before = snapshot();
    auto res = http_request(port, method, target, body, headers);
    INFO(method << " " << target << " " << body << " -> " << res.status << " " << res.body);
    CHECK(res.status >= 400);
    CHECK(res.status < 500);
    CHECK(snapshot() == before);
    return res;
  }
};

// The FastAPI validation body, {"detail": [{"loc": [...], "msg": "...", "type": "..."}]};
// returns the locs.
std::vector<json> validation_locs(const HttpResponse& res) {
  INFO(res.status << " " << res.body);
  REQUIRE(res.status == 422);
  CHECK(res.header("content-type") == "application/json; charset=utf-8");
  auto body = res.json();
  REQUIRE(body.is_object());
  CHECK(body.size() == 1);
  REQUIRE(body["detail"].is_array());
  CHECK_FALSE(body["detail"].empty());
  std::vector<json> locs;
  for (const auto& entry : body["detail"]) {
    CHECK(entry.size() == 3);
    REQUIRE(entry["loc"].is_array());
    CHECK_FALSE(entry["loc"].empty());
    CHECK(entry["msg"].is_string());
    CHECK_FALSE(entry["msg"].get<std::string>().empty());
    CHECK(entry["type"].is_string());
    CHECK_FALSE(entry["type"].get<std::string>().empty());
    locs.push_back(entry["loc"]);
  }
  return locs;
}

// A 422 with exactly one error, at `loc`.
void check_invalid_at(const HttpResponse& res, const json& loc) {
  INFO(res.body);
  CHECK(validation_locs(res) == std::vector<json>{loc});
}

// A 422 whose every loc starts with `where` ("body", "query" or "path").
void check_invalid_in(const HttpResponse& res, const std::string& where) {
  for (const auto& loc : validation_locs(res)) {
    INFO(res.body);
    CHECK(loc[0] == where);
  }
}

// An error with a plain message: {"detail": "..."}; returns the message.
std::string detail_of(const HttpResponse& res) {
  INFO(res.status << " " << res.body);
  auto body = res.json();
  REQUIRE(body.is_object());
  CHECK(body.size() == 1);
  REQUIRE(body["detail"].is_string());
  CHECK_FALSE(body["detail"].get<std::string>().empty());
  return body["detail"].get<std::string>();
}

json body_loc(const std::string& field) {
  return json::array({"body", field});
}

json product_body(const json& overrides) {
  json body{{"name", "Plumbus"}, {"price_shmeckles", 1.0}, {"price_flurbos", 2.0}};
  body.update(overrides);
  return body;
}

std::set<std::string> allow_of(const HttpResponse& res) {
  std::set<std::string> methods;
  std::stringstream in(res.header("allow"));
  std::string method;
  while (std::getline(in, method, ',')) {
    method.erase(0, method.find_first_not_of(' '));
    methods.insert(method);
  }
  return methods;
}

const std::vector<std::string> named_collections{"/categories/", "/tags/"};

}  // namespace

TEST_CASE("a body that is not a JSON object is a 422 in the body and changes nothing") {
  Catalog c;
  auto tag_path = item("/tags/", c.tag["id"]);
  for (const std::string bad :
       {"{\"name\":", "not json", "", "[]", "\"Plumbus\"", "42", "null", "{\"name\": \"a\",}"}) {
    INFO("body: " << bad);
    check_invalid_in(c.refused("POST", "/products/", bad), "body");
    check_invalid_in(c.refused("PUT", c.product_path, bad), "body");
    check_invalid_in(c.refused("POST", "/categories/", bad), "body");
    check_invalid_in(c.refused("PUT", tag_path, bad), "body");
  }
}

TEST_CASE("a product field of the wrong type is a 422 naming the field") {
  Catalog c;
  const std::vector<std::pair<json, json>> cases{
      {{{"name", 5}}, body_loc("name")},
      {{{"price_shmeckles", "cheap"}}, body_loc("price_shmeckles")},
      {{{"price_flurbos", json::array({1})}}, body_loc("price_flurbos")},
      {{{"tag_ids", c.tag["id"]}}, body_loc("tag_ids")},
      {{{"tag_ids", "1,2"}}, body_loc("tag_ids")},
      {{{"tag_ids", json::array({"one"})}}, json::array({"body", "tag_ids", 0})},
      {{{"category_id", 1.5}}, body_loc("category_id")},
      {{{"category_id", "1"}}, body_loc("category_id")},
      {{{"description", 5}}, body_loc("description")},
      {{{"image_url", "not a url"}}, body_loc("image_url")},
      {{{"image_url", "ftp://example.com/gun.jpg"}}, body_loc("image_url")},
  };
  for (const auto& [fields, loc] : cases) {
    INFO(fields.dump());
    check_invalid_at(c.refused("POST", "/products/", product_body(fields).dump()), loc);
    check_invalid_at(c.refused("PUT", c.product_path, fields.dump()), loc);
  }
}

TEST_CASE("a category or tag name of the wrong type is a 422 naming the field") {
  Catalog c;
  for (const auto& collection : named_collections) {
    auto path = item(collection, collection == "/tags/" ? c.tag["id"] : c.category["id"]);
    for (const json& name : {json(5), json(nullptr), json::array({"a"}), json{{"ru", "a"}}}) {
      INFO(collection << " name " << name.dump());
      json body{{"name", name}};
      check_invalid_at(c.refused("POST", collection, body.dump()), body_loc("name"));
      check_invalid_at(c.refused("PUT", path, body.dump()), body_loc("name"));
    }
  }
}

TEST_CASE("missing required fields are a 422 for each of them") {
  Catalog c;
  auto locs = validation_locs(c.refused("POST", "/products/", "{}"));
  std::set<json> missing(locs.begin(), locs.end());
  CHECK(missing ==
        std::set<json>{body_loc("name"), body_loc("price_shmeckles"), body_loc("price_flurbos")});
  check_invalid_at(c.refused("POST", "/products/", R"({"name": "x", "price_shmeckles": 1})"),
                   body_loc("price_flurbos"));
  check_invalid_at(c.refused("POST", "/categories/", "{}"), body_loc("name"));
  check_invalid_at(c.refused("POST", "/tags/", R"({"title": "x"})"), body_loc("name"));
  check_invalid_at(c.refused("PUT", item("/categories/", c.category["id"]), "{}"),
                   body_loc("name"));
  check_invalid_at(c.refused("PUT", item("/tags/", c.tag["id"]), "{}"), body_loc("name"));
}

TEST_CASE("out-of-range product values are a 422 naming the field") {
  Catalog c;
  const std::string long_name(256, 'x');
  std::string long_cyrillic_name;
  for (int i = 0; i < 256; ++i)
    long_cyrillic_name += "ы";
  const std::vector<std::pair<json, std::string>> cases{
      {{{"price_shmeckles", -0.01}}, "price_shmeckles"},
      {{{"price_flurbos", -1}}, "price_flurbos"},
      {{{"price_shmeckles", 1.000001e12}}, "price_shmeckles"},
      {{{"price_flurbos", 2e12}}, "price_flurbos"},
      {{{"name", long_name}}, "name"},
      {{{"name", long_cyrillic_name}}, "name"},
      {{{"name", ""}}, "name"},
      {{{"name", " \t\n "}}, "name"},
      {{{"description", std::string(10001, 'd')}}, "description"},
      {{{"image_url", "https://example.com/" + std::string(2029, 'a')}}, "image_url"},
  };
  for (const auto& [fields, field] : cases) {
    INFO(fields.dump().substr(0, 80));
    check_invalid_at(c.refused("POST", "/products/", product_body(fields).dump()), body_loc(field));
    check_invalid_at(c.refused("PUT", c.product_path, fields.dump()), body_loc(field));
  }
}

TEST_CASE("the limits of product values themselves are accepted") {
  Catalog c;
  std::string cyrillic_255;
  for (int i = 0; i < 255; ++i)
    cyrillic_255 += "ы";
  json edge{{"name", "  " + cyrillic_255 + "  "},
            {"price_shmeckles", 0},
            {"price_flurbos", 1e12},
            {"description", std::string(10000, 'd')},
            {"image_url", "https://example.com/" + std::string(2028, 'a')}};
  auto res = http_post(c.port, "/products/", edge);
  INFO(res.body.substr(0, 300));
  REQUIRE(res.status == 201);
  CHECK(res.json()["name"] == cyrillic_255);
  CHECK(res.json()["image_url"].get<std::string>().size() == 2048);
}

TEST_CASE("an empty or overlong category or tag name is a 422") {
  Catalog c;
  for (const auto& collection : named_collections) {
    auto path = item(collection, collection == "/tags/" ? c.tag["id"] : c.category["id"]);
    for (const std::string& name : {std::string(), std::string("   "), std::string(256, 'n')}) {
      INFO(collection << " name of " << name.size());
      json body{{"name", name}};
      check_invalid_at(c.refused("POST", collection, body.dump()), body_loc("name"));
      check_invalid_at(c.refused("PUT", path, body.dump()), body_loc("name"));
    }
  }
}

TEST_CASE("a bad query parameter of the product list is a 422 in the query") {
  Catalog c;
  const std::vector<std::pair<std::string, std::string>> cases{
      {"category_id=abc", "category_id"},
      {"category_id=1.5", "category_id"},
      {"tag_ids=1,x", "tag_ids"},
      {"tag_ids=1,,2", "tag_ids"},
      {"limit=0", "limit"},
      {"limit=1001", "limit"},
      {"limit=-1", "limit"},
      {"limit=ten", "limit"},
      {"skip=-1", "skip"},
      {"skip=x", "skip"},
      {"sort=bogus", "sort"},
      {"sort=-", "sort"},
      {"sort=--price_shmeckles", "sort"},
      {"tag_match=some", "tag_match"},
      {"min_price_shmeckles=cheap", "min_price_shmeckles"},
      {"max_price_flurbos=1e", "max_price_flurbos"},
  };
  for (const auto& [query, parameter] : cases) {
    auto res = c.refused("GET", "/products/?" + query);
    INFO(query << " -> " << res.body);
    check_invalid_at(res, json::array({"query", parameter}));
  }
  check_invalid_in(c.refused("GET", "/products/?limit=0&skip=-1&sort=bogus"), "query");
  CHECK(validation_locs(c.refused("GET", "/products/?limit=0&skip=-1&sort=bogus")).size() == 3);
}

TEST_CASE("an unknown id in the path is a 404 that names it, for every method and resource") {
  Catalog c;
  const std::vector<std::tuple<std::string, std::string, json>> resources{
      {"/products/", "Product", json{{"price_shmeckles", 3.0}}},
      {"/categories/", "Category", json{{"name", "Новое"}}},
      {"/tags/", "Tag", json{{"name", "Новое"}}},
  };
  for (const auto& [collection, noun, update] : resources) {
    for (const std::string id : {"7", "999999"}) {
      auto path = collection + id;
      auto expected = json{{"detail", noun + " " + id + " not found"}};
      INFO(path);
      for (const auto& res : {c.refused("GET", path), c.refused("PUT", path, update.dump()),
                              c.refused("DELETE", path)}) {
        CHECK(res.status == 404);
        CHECK(res.json() == expected);
      }
    }
  }
}

TEST_CASE("an id in the path that is not an integer is a 422 in the path") {
  Catalog c;
  for (const std::string collection : {"/products/", "/categories/", "/tags/"}) {
    for (const std::string id : {"abc", "1.5", "1x", "%20"}) {
      INFO(collection << id);
      check_invalid_in(c.refused("GET", collection + id), "path");
      check_invalid_in(c.refused("PUT", collection + id, R"({"name": "x"})"), "path");
      check_invalid_in(c.refused("DELETE", collection + id), "path");
    }
  }
}

TEST_CASE("a duplicate category or tag name is a 409, case-insensitively in any script") {
  Catalog c;
  for (const auto& collection : named_collections) {
    auto cyrillic = created(c.port, collection, {{"name", "Электроника"}});
    auto latin = created(c.port, collection, {{"name", "Gadgets"}});
    // A name that is taken: creating it, or renaming `other` to it, is a conflict.
    auto check_taken = [&](const std::string& name, const json& other) {
      INFO(collection << " " << name);
      json body{{"name", name}};
      auto on_create = c.refused("POST", collection, body.dump());
      CHECK(on_create.status == 409);
      detail_of(on_create);
      auto on_rename = c.refused("PUT", item(collection, other["id"]), body.dump());
      CHECK(on_rename.status == 409);
      detail_of(on_rename);
    };
    for (const std::string name : {"Электроника", "ЭЛЕКТРОНИКА", "  электроника "}) {
      check_taken(name, latin);
    }
    for (const std::string name : {"GADGETS", "gAdGeTs", " gadgets"}) {
      check_taken(name, cyrillic);
    }
    // With a Latin "e" for its first letter it is another name.
    CHECK(http_post(c.port, collection, {{"name", "eлектроника"}}).status == 201);
  }
  // Categories and tags are separate name spaces.
  CHECK(http_post(c.port, "/tags/", {{"name", "Гаджеты"}}).status == 201);
}

TEST_CASE("a product that names a missing category or tag is a 422 naming the missing id") {
  Catalog c;
  auto gone = created(c.port, "/categories/", {{"name", "Удалённая"}});
  REQUIRE(http_delete(c.port, item("/categories/", gone["id"])).status == 204);
  const std::vector<std::pair<json, std::string>> cases{
      {{{"category_id", 999}}, "999"},
      {{{"category_id", gone["id"]}}, gone["id"].dump()},
      {{{"tag_ids", json::array({c.tag["id"], 998})}}, "998"},
      {{{"tag_ids", json::array({997})}}, "997"},
  };
  for (const auto& [fields, missing] : cases) {
    INFO(fields.dump());
    for (auto res : {c.refused("POST", "/products/", product_body(fields).dump()),
                     c.refused("PUT", c.product_path, fields.dump())}) {
      CHECK(res.status == 422);
      CHECK_THAT(detail_of(res), Catch::Contains(missing));
    }
  }
}

TEST_CASE("a stale If-Match is a 412 and a matching one succeeds and advances the ETag") {
  Catalog c;
  auto if_match = [](int version) {
    return Headers{{"If-Match", "\"" + std::to_string(version) + "\""}};
  };
  for (int stale : {0, 2, 99}) {
    INFO("If-Match " << stale);
    auto put = c.refused("PUT", c.product_path, R"({"price_shmeckles": 3})", if_match(stale));
    CHECK(put.status == 412);
    detail_of(put);
    auto del = c.refused("DELETE", c.product_path, "", if_match(stale));
    CHECK(del.status == 412);
    detail_of(del);
  }

  auto updated = http_put(c.port, c.product_path, {{"price_shmeckles", 3.0}}, if_match(1));
  REQUIRE(updated.status == 200);
  CHECK(updated.header("etag") == "\"2\"");
  CHECK(updated.json()["version"] == 2);
  CHECK(updated.json()["price_shmeckles"] == 3.0);
  CHECK(c.refused("PUT", c.product_path, R"({"price_shmeckles": 4})", if_match(1)).status == 412);
  CHECK(c.refused("DELETE", c.product_path, "", if_match(1)).status == 412);
  CHECK(http_delete(c.port, c.product_path, if_match(2)).status == 204);

  for (const auto& collection : named_collections) {
    auto path = item(collection, collection == "/tags/" ? c.tag["id"] : c.category["id"]);
    INFO(path);
    CHECK(c.refused("PUT", path, R"({"name": "Новое"})", if_match(2)).status == 412);
    CHECK(c.refused("DELETE", path, "", if_match(2)).status == 412);
    auto renamed = http_put(c.port, path, {{"name", "Новое"}}, if_match(1));
    CHECK(renamed.status == 200);
    CHECK(renamed.header("etag") == "\"2\"");
    CHECK(c.refused("PUT", path, R"({"name": "Другое"})", if_match(1)).status == 412);
    CHECK(http_delete(c.port, path, if_match(2)).status == 204);
  }
}

TEST_CASE("an unknown route is a 404 and a known one with the wrong method a 405 with Allow") {
  Catalog c;
  for (const std::string path : {"/nope", "/products/1/nope", "/product", "/categories/1/2"}) {
    auto res = c.refused("GET", path);
    INFO(path);
    CHECK(res.status == 404);
    detail_of(res);
  }
  const std::vector<std::tuple<std::string, std::string, std::set<std::string>>> cases{
      {"PATCH", c.product_path, {"GET", "PUT", "DELETE"}},
      {"POST", c.product_path, {"GET", "PUT", "DELETE"}},
      {"DELETE", "/products/", {"GET", "POST"}},
      {"PUT", "/categories", {"GET", "POST"}},
      {"POST", item("/tags/", c.tag["id"]), {"GET", "PUT", "DELETE"}},
      {"POST", "/health", {"GET"}},
  };
  for (const auto& [method, path, allowed] : cases) {
    auto res = c.refused(method, path, method == "DELETE" ? "" : "{}");
    INFO(method << " " << path);
    CHECK(res.status == 405);
    CHECK(allow_of(res) == allowed);
    detail_of(res);
  }
}
