// Creating, reading, listing, changing and deleting categories, tags and products, and the
// filters, paging and sorting of the product list, as API.md promises them.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;

namespace {

// "/products/" + 7 -> "/products/7"
std::string item(const std::string& collection, const json& id) {
  return collection + std::to_string(id.get<long long>());
}

json create(unsigned short port, const std::string& collection, const json& body) {
  auto res = http_post(port, collection, body);
  INFO(collection << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 201);
  return res.json();
}

json create_named(unsigned short port, const std::string& collection, const std::string& name) {
  return create(port, collection, {{"name", name}});
}

json product_body(const std::string& name, double shmeckles, double flurbos) {
  return {{"name", name}, {"price_shmeckles", shmeckles}, {"price_flurbos", flurbos}};
}

json get_ok(unsigned short port, const std::string& target) {
  auto res = http_get(port, target);
  INFO("GET " << target << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 200);
  return res.json();
}

json put_ok(unsigned short port, const std::string& target, const json& body) {
  auto res = http_put(port, target, body);
  INFO("PUT " << target << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 200);
  return res.json();
}

void delete_ok(unsigned short port, const std::string& target) {
  auto res = http_delete(port, target);
  INFO("DELETE " << target << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 204);
}

std::vector<long long> ids_of(const json& list) {
  std::vector<long long> ids;
  for (const auto& entry : list)
    ids.push_back(entry["id"].get<long long>());
  return ids;
}

// The ids that `GET /products/?<query>` lists, in the order listed.
std::vector<long long> listed(unsigned short port, const std::string& query) {
  return ids_of(get_ok(port, "/products/?" + query));
}

long long head_position(unsigned short port) {
  return get_ok(port, "/health")["position"].get<long long>();
}

std::string percent_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%%%02X", c);
    out += buf;
  }
  return out;
}

// Created in consecutive milliseconds at least, so that timestamps order them.
void tick() {
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

const std::vector<std::string> named_collections{"/categories/", "/tags/"};

}  // namespace

TEST_CASE("a created category or tag is answered 201 with Location and ETag and reads back") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  for (const auto& collection : named_collections) {
    auto res = http_post(server.port(), collection, {{"name", "  Электроника  "}});
    REQUIRE(res.status == 201);
    auto created = res.json();
    CHECK(created == json{{"id", created["id"]}, {"name", "Электроника"}});
    CHECK(res.header("location") == item(collection, created["id"]));
    CHECK(res.header("etag") == "\"1\"");

    auto read = http_get(server.port(), item(collection, created["id"]));
    CHECK(read.status == 200);
    CHECK(read.json() == created);
    CHECK(read.header("etag") == "\"1\"");
  }
}

TEST_CASE("categories and tags are listed ordered by id") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  for (const auto& collection : named_collections) {
    CHECK(get_ok(server.port(), collection) == json::array());
    json expected = json::array();
    for (const char* name : {"Яблоки", "apples", "Бананы"}) {
      expected.push_back(create_named(server.port(), collection, name));
    }
    auto list = get_ok(server.port(), collection);
    CHECK(list == expected);
    auto ids = ids_of(list);
    CHECK(std::is_sorted(ids.begin(), ids.end()));
  }
}

TEST_CASE("renaming a category or tag answers it renamed with the next ETag") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  for (const auto& collection : named_collections) {
    auto created = create_named(server.port(), collection, "Гаджеты");
    auto res = http_put(server.port(), item(collection, created["id"]), {{"name", " Девайсы "}});
    REQUIRE(res.status == 200);
    CHECK(res.json() == json{{"id", created["id"]}, {"name", "Девайсы"}});
    CHECK(res.header("etag") == "\"2\"");
    auto read = http_get(server.port(), item(collection, created["id"]));
    CHECK(read.json() == res.json());
    CHECK(read.header("etag") == "\"2\"");
  }
}

TEST_CASE("a deleted category or tag answers 204 and then 404 and leaves the list") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  for (const auto& collection : named_collections) {
    auto kept = create_named(server.port(), collection, "kept");
    auto gone = create_named(server.port(), collection, "gone");
    auto res = http_delete(server.port(), item(collection, gone["id"]));
    CHECK(res.status == 204);
    CHECK(res.body.empty());
    CHECK(http_get(server.port(), item(collection, gone["id"])).status == 404);
    CHECK(get_ok(server.port(), collection) == json::array({kept}));
  }
}

TEST_CASE("a product created with every field reads back exactly as it was answered") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto gadgets = create_named(port, "/categories/", "Гаджеты");
  auto hit = create_named(port, "/tags/", "Хит");
  auto fresh = create_named(port, "/tags/", "Новинка");
  json body = product_body("  Портальная пушка ", 250.5, 180.0);
  body["description"] = "Классическая портальная пушка от Rick";
  body["image_url"] = "https://example.com/portal-gun.jpg";
  body["category_id"] = gadgets["id"];
  body["tag_ids"] = {fresh["id"], hit["id"], fresh["id"]};

  auto res = http_post(port, "/products/", body);
  REQUIRE(res.status == 201);
  auto product = res.json();
  CHECK(res.header("location") == item("/products/", product["id"]));
  CHECK(res.header("etag") == "\"1\"");
  CHECK(product["name"] == "Портальная пушка");
  CHECK(product["description"] == "Классическая портальная пушка от Rick");
  CHECK(product["image_url"] == "https://example.com/portal-gun.jpg");
  CHECK(product["price_shmeckles"] == 250.5);
  CHECK(product["price_flurbos"] == 180.0);
  CHECK(product["category_id"] == gadgets["id"]);
  CHECK(product["category"] == gadgets);
  CHECK(product["tags"] == json::array({hit, fresh}));
  CHECK(product["version"] == 1);
  CHECK(product["created_at"].is_string());
  CHECK(product["updated_at"] == product["created_at"]);

  auto read = http_get(port, item("/products/", product["id"]));
  CHECK(read.status == 200);
  CHECK(read.header("etag") == "\"1\"");
  CHECK(read.json() == product);
}

TEST_CASE("a product created with only the required fields gets the documented defaults") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto product = create(server.port(), "/products/", product_body("Plumbus", 0, 1e12));
  CHECK(product["description"].is_null());
  CHECK(product["image_url"].is_null());
  CHECK(product["category_id"].is_null());
  CHECK(product["category"].is_null());
  CHECK(product["tags"] == json::array());
  CHECK(product["price_shmeckles"] == 0.0);
  CHECK(product["price_flurbos"] == 1e12);
  CHECK(product["version"] == 1);
  CHECK(get_ok(server.port(), item("/products/", product["id"])) == product);
}

TEST_CASE("a partial product update keeps the fields it leaves out") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto gadgets = create_named(port, "/categories/", "Гаджеты");
  auto hit = create_named(port, "/tags/", "Хит");
  json body = product_body("Портальная пушка", 250.5, 180.0);
  body["description"] = "old";
  body["category_id"] = gadgets["id"];
  body["tag_ids"] = json::array({hit["id"]});
  auto before = create(port, "/products/", body);
  tick();
  CHECK(get_ok(port, item("/products/", before["id"])) == before);  // and kept by the server

  auto res = http_put(port, item("/products/", before["id"]), {{"price_shmeckles", 300.0}});
  REQUIRE(res.status == 200);
  CHECK(res.header("etag") == "\"2\"");
  auto after = res.json();
  json expected = before;
  expected["price_shmeckles"] = 300.0;
  expected["version"] = 2;
  expected["updated_at"] = after["updated_at"];
  CHECK(after == expected);
  CHECK(after["updated_at"] > before["updated_at"]);
  CHECK(get_ok(port, item("/products/", before["id"])) == after);
}

TEST_CASE("updating a product with category_id null clears its category") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto gadgets = create_named(server.port(), "/categories/", "Гаджеты");
  json body = product_body("Plumbus", 1, 2);
  body["category_id"] = gadgets["id"];
  auto product = create(server.port(), "/products/", body);
  auto path = item("/products/", product["id"]);

  auto after = put_ok(server.port(), path, {{"category_id", nullptr}});
  CHECK(after["category_id"].is_null());
  CHECK(after["category"].is_null());
  CHECK(after["name"] == "Plumbus");
  CHECK(get_ok(server.port(), path) == after);
}

TEST_CASE("tag_ids in an update replaces the whole set, collapses duplicates, orders by id") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto a = create_named(port, "/tags/", "a");
  auto b = create_named(port, "/tags/", "b");
  auto c = create_named(port, "/tags/", "c");
  json body = product_body("Plumbus", 1, 2);
  body["tag_ids"] = {a["id"], b["id"]};
  auto path = item("/products/", create(port, "/products/", body)["id"]);

  auto after = put_ok(port, path, {{"tag_ids", {c["id"], b["id"], c["id"]}}});
  CHECK(after["tags"] == json::array({b, c}));
  CHECK(get_ok(port, path)["tags"] == json::array({b, c}));

  CHECK(put_ok(port, path, {{"tag_ids", json::array()}})["tags"] == json::array());
}

TEST_CASE("an update that changes nothing answers 200 with the same version and no event") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto tag = create_named(port, "/tags/", "Хит");
  json body = product_body("Plumbus", 1.5, 2);
  body["tag_ids"] = json::array({tag["id"]});
  auto product = create(port, "/products/", body);
  auto path = item("/products/", product["id"]);
  auto position = head_position(port);

  for (const json& same : {json::object(), json{{"name", "Plumbus"}, {"price_shmeckles", 1.5}},
                           json{{"tag_ids", {tag["id"], tag["id"]}}, {"category_id", nullptr}}}) {
    auto res = http_put(port, path, same);
    INFO(same.dump());
    CHECK(res.status == 200);
    CHECK(res.header("etag") == "\"1\"");
    CHECK(res.json() == product);
  }
  CHECK(head_position(port) == position);
}

TEST_CASE("a deleted product answers 204 and then 404") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto kept = create(server.port(), "/products/", product_body("kept", 1, 1));
  auto gone = create(server.port(), "/products/", product_body("gone", 1, 1));
  auto res = http_delete(server.port(), item("/products/", gone["id"]));
  CHECK(res.status == 204);
  CHECK(res.body.empty());
  CHECK(http_get(server.port(), item("/products/", gone["id"])).status == 404);
  CHECK(http_delete(server.port(), item("/products/", gone["id"])).status == 404);
  CHECK(get_ok(server.port(), "/products/") == json::array({kept}));
}

TEST_CASE("deleting a category leaves its products with category_id null") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto gadgets = create_named(port, "/categories/", "Гаджеты");
  auto food = create_named(port, "/categories/", "Еда");
  json body = product_body("Портальная пушка", 1, 1);
  body["category_id"] = gadgets["id"];
  auto orphan = create(port, "/products/", body);
  body["category_id"] = food["id"];
  auto other = create(port, "/products/", body);

  // Read before the change too: a copy the server kept of that answer must not outlive it.
  CHECK(get_ok(port, item("/products/", orphan["id"]))["category"] == gadgets);
  delete_ok(port, item("/categories/", gadgets["id"]));
  auto read = get_ok(port, item("/products/", orphan["id"]));
  CHECK(read["category_id"].is_null());
  CHECK(read["category"].is_null());
  CHECK(read["name"] == orphan["name"]);
  CHECK(get_ok(port, item("/products/", other["id"]))["category"] == food);
  CHECK(listed(port, "category_id=" + gadgets["id"].dump()).empty());
}

TEST_CASE("deleting a tag removes it from every product that had it") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto hit = create_named(port, "/tags/", "Хит");
  auto fresh = create_named(port, "/tags/", "Новинка");
  json body = product_body("Plumbus", 1, 1);
  body["tag_ids"] = {hit["id"], fresh["id"]};
  auto both = create(port, "/products/", body);
  body["tag_ids"] = json::array({hit["id"]});
  auto only_hit = create(port, "/products/", body);

  CHECK(get_ok(port, item("/products/", both["id"]))["tags"].size() == 2);
  CHECK(get_ok(port, item("/products/", only_hit["id"]))["tags"] == json::array({hit}));
  delete_ok(port, item("/tags/", hit["id"]));
  CHECK(get_ok(port, item("/products/", both["id"]))["tags"] == json::array({fresh}));
  CHECK(get_ok(port, item("/products/", only_hit["id"]))["tags"] == json::array());
  CHECK(listed(port, "tag_ids=" + hit["id"].dump()).empty());
}

TEST_CASE("renaming a category or tag shows in its products") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto category = create_named(port, "/categories/", "Гаджеты");
  auto tag = create_named(port, "/tags/", "Хит");
  json body = product_body("Plumbus", 1, 1);
  body["category_id"] = category["id"];
  body["tag_ids"] = json::array({tag["id"]});
  auto path = item("/products/", create(port, "/products/", body)["id"]);

  CHECK(get_ok(port, path)["category"] == category);  // read once before the renames
  auto renamed_category = put_ok(port, item("/categories/", category["id"]), {{"name", "Девайсы"}});
  CHECK(get_ok(port, path)["category"] == renamed_category);
  auto renamed_tag = put_ok(port, item("/tags/", tag["id"]), {{"name", "Бестселлер"}});
  auto read = get_ok(port, path);
  CHECK(read["category"] == renamed_category);
  CHECK(read["tags"] == json::array({renamed_tag}));
  CHECK(get_ok(port, "/products/")[0] == read);
}

TEST_CASE("every path answers the same with and without a trailing slash, without a redirect") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto check_both = [port](const std::string& path) {
    auto bare = http_get(port, path);
    auto slashed = http_get(port, path + "/");
    INFO(path);
    CHECK(bare.status == 200);
    CHECK(slashed.status == 200);
    CHECK(bare.header("location").empty());
    CHECK(slashed.header("location").empty());
    CHECK(bare.body == slashed.body);
  };
  for (std::string collection : {"/categories", "/tags", "/products"}) {
    INFO(collection);
    json body = collection == "/products" ? product_body("x", 1, 1) : json{{"name", "x"}};
    auto first = http_post(port, collection, body);
    CHECK(first.status == 201);
    body["name"] = "y";
    auto second = http_post(port, collection + "/", body);
    CHECK(second.status == 201);
    check_both(collection);
    auto path = item(collection + "/", second.json()["id"]);
    check_both(path);
    CHECK(http_put(port, path + "/", {{"name", "z"}}).status == 200);
    CHECK(http_delete(port, path + "/").status == 204);
    CHECK(http_delete(port, item(collection + "/", first.json()["id"])).status == 204);
  }
  check_both("/health");
}

TEST_CASE("filtering products by name is a case-insensitive, Unicode-aware substring match") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto portal = create(port, "/products/", product_body("Портальная пушка", 1, 1))["id"];
  auto flask = create(port, "/products/", product_body("Rick's flask", 1, 1))["id"];
  create(port, "/products/", product_body("Plumbus", 1, 1));

  CHECK(listed(port, "name=" + percent_encode("портал")) == std::vector<long long>{portal});
  CHECK(listed(port, "name=" + percent_encode("ПУШКА")) == std::vector<long long>{portal});
  CHECK(listed(port, "name=RICK") == std::vector<long long>{flask});
  CHECK(listed(port, "name=" + percent_encode("'s fl")) == std::vector<long long>{flask});
  CHECK(listed(port, "name=morty").empty());
}

TEST_CASE("a name with a NUL in it is data: stored, found, and searched without an error") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  // JSON lets a client send "\u0000": a byte like any other to the name index, and in SQL a
  // bound value, not the end of a string.
  auto odd = create(port, "/products/", product_body(std::string("Plum\0bus", 8), 1, 1))["id"];
  create(port, "/products/", product_body("Plumbus", 1, 1));
  CHECK(listed(port, "name=m%00bu") == std::vector<long long>{odd});
  CHECK(listed(port, "name=%00") == std::vector<long long>{odd});
  CHECK(listed(port, "name=xyz%00abc").empty());
}

TEST_CASE("filtering products by category, tags and inclusive price bounds, combined with AND") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto gadgets = create_named(port, "/categories/", "Гаджеты")["id"];
  auto food = create_named(port, "/categories/", "Еда")["id"];
  auto t1 = create_named(port, "/tags/", "t1")["id"];
  auto t2 = create_named(port, "/tags/", "t2")["id"];
  auto t3 = create_named(port, "/tags/", "t3")["id"];
  auto make = [port](const char* name, double shm, double flu, const json& category,
                     const json& tags) {
    json body = product_body(name, shm, flu);
    body["category_id"] = category;
    body["tag_ids"] = tags;
    return create(port, "/products/", body)["id"].get<long long>();
  };
  auto portal = make("Портальная пушка", 250.5, 180.0, gadgets, json::array({t1, t2}));
  auto seeds = make("Мега-семена", 10.0, 5.0, food, json::array({t2}));
  auto plumbus = make("Plumbus", 100.0, 100.0, gadgets, json::array());
  auto flask = make("Rick's flask", 9.99, 100.01, nullptr, json::array({t1, t3}));
  using Ids = std::vector<long long>;
  auto tags = [](const json& a, const json& b) { return a.dump() + "," + b.dump(); };

  CHECK(listed(port, "") == Ids{portal, seeds, plumbus, flask});
  CHECK(listed(port, "category_id=" + gadgets.dump()) == Ids{portal, plumbus});
  CHECK(listed(port, "category_id=" + food.dump()) == Ids{seeds});
  CHECK(listed(port, "tag_ids=" + t1.dump()) == Ids{portal, flask});
  CHECK(listed(port, "tag_ids=" + tags(t1, t2)) == Ids{portal, seeds, flask});
  CHECK(listed(port, "tag_ids=" + tags(t1, t2) + "&tag_match=any") == Ids{portal, seeds, flask});
  CHECK(listed(port, "tag_ids=" + tags(t1, t2) + "&tag_match=all") == Ids{portal});
  CHECK(listed(port, "tag_ids=" + tags(t2, t3) + "&tag_match=all").empty());
  CHECK(listed(port, "min_price_shmeckles=10&max_price_shmeckles=100") == Ids{seeds, plumbus});
  CHECK(listed(port, "max_price_shmeckles=9.99") == Ids{flask});
  CHECK(listed(port, "min_price_shmeckles=250.5") == Ids{portal});
  CHECK(listed(port, "min_price_flurbos=100&max_price_flurbos=100.01") == Ids{plumbus, flask});
  CHECK(listed(port, "min_price_flurbos=180") == Ids{portal});
  CHECK(listed(port, "max_price_flurbos=5") == Ids{seeds});
  CHECK(listed(port, "category_id=" + gadgets.dump() + "&tag_ids=" + t1.dump()) == Ids{portal});
  CHECK(listed(port, "category_id=" + gadgets.dump() + "&max_price_shmeckles=100") == Ids{plumbus});
  CHECK(listed(port, "name=i&tag_ids=" + t3.dump() + "&min_price_flurbos=100") == Ids{flask});
}

TEST_CASE("skip and limit page the product list and X-Total-Count counts every match") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  std::vector<long long> all;
  for (int i = 0; i < 7; ++i) {
    auto name = (i % 2 ? "odd " : "even ") + std::to_string(i);
    all.push_back(create(port, "/products/", product_body(name, i, i))["id"].get<long long>());
  }
  auto page = [port](const std::string& query) {
    auto res = http_get(port, "/products/?" + query);
    REQUIRE(res.status == 200);
    return std::make_pair(ids_of(res.json()), res.header("x-total-count"));
  };
  using Page = std::pair<std::vector<long long>, std::string>;

  CHECK(page("") == Page{all, "7"});
  CHECK(page("limit=3") == Page{{all[0], all[1], all[2]}, "7"});
  CHECK(page("skip=3&limit=3") == Page{{all[3], all[4], all[5]}, "7"});
  CHECK(page("skip=6&limit=3") == Page{{all[6]}, "7"});
  CHECK(page("skip=10") == Page{{}, "7"});
  CHECK(page("skip=0&limit=1000") == Page{all, "7"});
  CHECK(page("name=odd&limit=1") == Page{{all[1]}, "3"});
  CHECK(page("name=odd&skip=1&limit=1&sort=-id") == Page{{all[3]}, "3"});
  CHECK(page("name=nothing") == Page{{}, "0"});
}

TEST_CASE("the product list sorts by each key both ways and breaks ties by id") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto make = [port](const char* name, double shm, double flu) {
    tick();
    return create(port, "/products/", product_body(name, shm, flu))["id"].get<long long>();
  };
  auto a = make("banana", 30, 1);
  auto b = make("Apple", 10, 3);
  auto c = make("cherry", 30, 2);
  auto d = make("apple", 20, 3);
  tick();
  put_ok(port, item("/products/", json(b)), {{"description", "touched"}});
  tick();
  put_ok(port, item("/products/", json(a)), {{"description", "touched"}});
  using Ids = std::vector<long long>;

  CHECK(listed(port, "") == Ids{a, b, c, d});
  CHECK(listed(port, "sort=id") == Ids{a, b, c, d});
  CHECK(listed(port, "sort=-id") == Ids{d, c, b, a});
  CHECK(listed(port, "sort=name") == Ids{b, d, a, c});
  CHECK(listed(port, "sort=-name") == Ids{c, a, b, d});
  CHECK(listed(port, "sort=price_shmeckles") == Ids{b, d, a, c});
  CHECK(listed(port, "sort=-price_shmeckles") == Ids{a, c, d, b});
  CHECK(listed(port, "sort=price_flurbos") == Ids{a, c, b, d});
  CHECK(listed(port, "sort=-price_flurbos") == Ids{b, d, c, a});
  CHECK(listed(port, "sort=created_at") == Ids{a, b, c, d});
  CHECK(listed(port, "sort=-created_at") == Ids{d, c, b, a});
  CHECK(listed(port, "sort=updated_at") == Ids{c, d, b, a});
  CHECK(listed(port, "sort=-updated_at") == Ids{a, b, d, c});
  CHECK(listed(port, "sort=-price_shmeckles&limit=2") == Ids{a, c});
  CHECK(listed(port, "sort=-price_shmeckles&skip=2") == Ids{d, b});
}

TEST_CASE("sorting by name uses the case-folded Cyrillic name") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  auto v = create(port, "/products/", product_body("вилка", 1, 1))["id"].get<long long>();
  auto a = create(port, "/products/", product_body("Арбуз", 1, 1))["id"].get<long long>();
  auto b = create(port, "/products/", product_body("банан", 1, 1))["id"].get<long long>();
  auto upper_b = create(port, "/products/", product_body("БАНАН", 1, 1))["id"].get<long long>();
  using Ids = std::vector<long long>;
  CHECK(listed(port, "sort=name") == Ids{a, b, upper_b, v});
  CHECK(listed(port, "sort=-name") == Ids{v, b, upper_b, a});
}

TEST_CASE("unknown JSON fields in a body are ignored") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  json body = product_body("Plumbus", 1, 2);
  body["colour"] = "pink";
  body["id"] = 999;
  body["version"] = 7;
  auto product = create(port, "/products/", body);
  CHECK(product["id"] == 1);
  CHECK(product["version"] == 1);
  CHECK_FALSE(product.contains("colour"));
  auto path = item("/products/", product["id"]);
  CHECK(put_ok(port, path, {{"colour", "blue"}}) == product);

  auto tag = create(port, "/tags/", {{"name", "Хит"}, {"colour", "red"}});
  CHECK(tag == json{{"id", 1}, {"name", "Хит"}});
}

TEST_CASE("ids are never reused, not even after the newest is deleted") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  for (const std::string collection : {"/categories/", "/tags/", "/products/"}) {
    INFO(collection);
    json body = collection == "/products/" ? product_body("x", 1, 1) : json{{"name", "x"}};
    auto first = create(port, collection, body);
    delete_ok(port, item(collection, first["id"]));
    auto second = create(port, collection, body);
    CHECK(second["id"] == first["id"].get<long long>() + 1);
  }
}
