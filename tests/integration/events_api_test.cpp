// The history as API.md shows it to auditors: GET /events (order, paging, filters, the shape
// of every event type), the histories of products, categories and tags, and a product as it
// stood at a position (?as_of=).
#include <catch2/catch.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;

namespace {

json created(unsigned short port, const std::string& collection, const json& body) {
  auto res = http_post(port, collection, body);
  INFO(collection << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 201);
  return res.json();
}

std::string path_of(const std::string& collection, const json& entity) {
  return collection + std::to_string(entity["id"].get<long long>());
}

json get_json(unsigned short port, const std::string& target) {
  auto res = http_get(port, target);
  INFO("GET " << target << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 200);
  return res.json();
}

long long head_position(unsigned short port) {
  return get_json(port, "/health")["position"].get<long long>();
}

// The whole log as GET /events pages it.
json all_events(unsigned short port) {
  json all = json::array();
  for (;;) {
    long long after = all.empty() ? 0 : all.back()["position"].get<long long>();
    auto page = get_json(port, "/events?limit=1000&after=" + std::to_string(after));
    if (page.empty()) return all;
    for (auto& e : page)
      all.push_back(std::move(e));
  }
}

// The events that the request appended: the log after `before`.
json appended_since(unsigned short port, long long before) {
  return get_json(port, "/events?after=" + std::to_string(before));
}

// A 422 with one error, at `loc`.
void check_invalid_at(const HttpResponse& res, const json& loc) {
  INFO(res.status << " " << res.body);
  REQUIRE(res.status == 422);
  auto detail = res.json()["detail"];
  REQUIRE(detail.is_array());
  REQUIRE(detail.size() == 1);
  CHECK(detail[0]["loc"] == loc);
}

json query_loc(const std::string& name) {
  return json::array({"query", name});
}

std::set<std::string> keys_of(const json& object) {
  std::set<std::string> keys;
  for (const auto& [k, v] : object.items())
    keys.insert(k);
  return keys;
}

// Every event has the fields of API.md and nothing else.
void check_event_shape(const json& e) {
  static const std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)");
  static const std::regex hex64("[0-9a-f]{64}");
  INFO(e.dump());
  REQUIRE(e.is_object());
  CHECK(keys_of(e) == std::set<std::string>{"position", "type", "stream", "version", "data",
                                            "recorded_at", "hash"});
  CHECK(e["position"].is_number_integer());
  CHECK(e["version"].is_number_integer());
  CHECK(e["data"].is_object());
  CHECK(std::regex_match(e["recorded_at"].get<std::string>(), iso));
  CHECK(std::regex_match(e["hash"].get<std::string>(), hex64));
}

// The one event a successful request appended, of the given type and stream.
json only_event(unsigned short port, long long before, const std::string& type,
                const std::string& stream) {
  auto list = appended_since(port, before);
  INFO(list.dump());
  REQUIRE(list.size() == 1);
  check_event_shape(list[0]);
  CHECK(list[0]["position"] == before + 1);
  CHECK(list[0]["type"] == type);
  CHECK(list[0]["stream"] == stream);
  return list[0];
}

void make_tags(unsigned short port, int count) {
  for (int i = 0; i < count; ++i)
    created(port, "/tags/", {{"name", "tag " + std::to_string(i)}});
}

}  // namespace

TEST_CASE("the event log lists events in ascending, gap-free positions from 1") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  CHECK(get_json(port, "/events") == json::array());
  auto category = created(port, "/categories/", {{"name", "Гаджеты"}});
  make_tags(port, 3);
  created(port, "/products/",
          {{"name", "Plumbus"},
           {"price_shmeckles", 1},
           {"price_flurbos", 2},
           {"category_id", category["id"]}});
  REQUIRE(http_put(port, path_of("/categories/", category), {{"name", "Девайсы"}}).status == 200);

  auto events = get_json(port, "/events");
  REQUIRE(events.size() == 6);
  for (std::size_t i = 0; i < events.size(); ++i) {
    check_event_shape(events[i]);
    CHECK(events[i]["position"] == i + 1);
  }
  CHECK(events.back()["position"] == head_position(port));
  CHECK(get_json(port, "/events/") == events);
}

TEST_CASE("paging the log with after visits every event exactly once, in order") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  make_tags(port, 130);
  auto whole = get_json(port, "/events?limit=1000");
  REQUIRE(whole.size() == 130);

  for (int limit : {1, 7, 50, 129, 130}) {
    INFO("limit " << limit);
    json walked = json::array();
    long long after = 0;
    for (int pages = 0; pages < 200; ++pages) {
      auto page = get_json(
          port, "/events?after=" + std::to_string(after) + "&limit=" + std::to_string(limit));
      CHECK(page.size() <= static_cast<std::size_t>(limit));
      if (page.empty()) break;
      CHECK(page.front()["position"] == after + 1);
      for (const auto& e : page)
        walked.push_back(e);
      after = page.back()["position"].get<long long>();
    }
    CHECK(walked == whole);
  }
}

TEST_CASE("the page size is 100 by default and up to 1000 on request") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  make_tags(port, 120);
  CHECK(get_json(port, "/events").size() == 100);
  CHECK(get_json(port, "/events?limit=1").size() == 1);
  CHECK(get_json(port, "/events?limit=1000").size() == 120);
  CHECK(get_json(port, "/events?after=100").size() == 20);
  CHECK(get_json(port, "/events?after=120") == json::array());
  CHECK(get_json(port, "/events?after=100000") == json::array());
}

TEST_CASE("a malformed after or limit of the event log is a 422 in the query") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  make_tags(port, 2);
  for (const std::string bad : {"-1", "abc", "1.5", ""}) {
    INFO("after=" << bad);
    check_invalid_at(http_get(port, "/events?after=" + bad), query_loc("after"));
  }
  for (const std::string bad : {"0", "1001", "x", "-5"}) {
    INFO("limit=" << bad);
    check_invalid_at(http_get(port, "/events?limit=" + bad), query_loc("limit"));
  }
}

TEST_CASE("a stream filter gives one stream's events with versions 1, 2, 3; an unknown one none") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  auto a = created(port, "/categories/", {{"name", "A"}});
  auto b = created(port, "/categories/", {{"name", "B"}});
  REQUIRE(http_put(port, path_of("/categories/", a), {{"name", "A2"}}).status == 200);
  REQUIRE(http_put(port, path_of("/categories/", b), {{"name", "B2"}}).status == 200);
  REQUIRE(http_delete(port, path_of("/categories/", a)).status == 204);

  std::string stream = "category-" + a["id"].dump();
  auto events = get_json(port, "/events?stream=" + stream);
  REQUIRE(events.size() == 3);
  std::vector<std::string> types;
  for (std::size_t i = 0; i < events.size(); ++i) {
    CHECK(events[i]["stream"] == stream);
    CHECK(events[i]["version"] == i + 1);
    types.push_back(events[i]["type"].get<std::string>());
  }
  CHECK(types == std::vector<std::string>{"CategoryCreated", "CategoryRenamed", "CategoryDeleted"});
  CHECK(events[0]["position"] < events[1]["position"]);
  CHECK(events[1]["position"] < events[2]["position"]);
  // The filter combines with paging.
  CHECK(get_json(port, "/events?stream=" + stream + "&after=" + events[0]["position"].dump() +
                           "&limit=1") == json::array({events[1]}));

  CHECK(get_json(port, "/events?stream=category-999") == json::array());
  CHECK(get_json(port, "/events?stream=nonsense") == json::array());
}

TEST_CASE("every event type carries the name and data of API.md") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  long long at = head_position(port);

  auto category = created(port, "/categories/", {{"name", "Гаджеты"}});
  std::string cstream = "category-" + category["id"].dump();
  auto e = only_event(port, at++, "CategoryCreated", cstream);
  CHECK(e["version"] == 1);
  CHECK(e["data"] == json{{"id", category["id"]}, {"name", "Гаджеты"}});

  REQUIRE(http_put(port, path_of("/categories/", category), {{"name", "Девайсы"}}).status == 200);
  e = only_event(port, at++, "CategoryRenamed", cstream);
  CHECK(e["version"] == 2);
  CHECK(e["data"] == json{{"id", category["id"]}, {"name", "Девайсы"}});

  auto tag = created(port, "/tags/", {{"name", "Хит"}});
  std::string tstream = "tag-" + tag["id"].dump();
  e = only_event(port, at++, "TagCreated", tstream);
  CHECK(e["version"] == 1);
  CHECK(e["data"] == json{{"id", tag["id"]}, {"name", "Хит"}});

  REQUIRE(http_put(port, path_of("/tags/", tag), {{"name", "Бестселлер"}}).status == 200);
  e = only_event(port, at++, "TagRenamed", tstream);
  CHECK(e["version"] == 2);
  CHECK(e["data"] == json{{"id", tag["id"]}, {"name", "Бестселлер"}});

  auto product = created(port, "/products/",
                         {{"name", "Портальная пушка"},
                          {"description", "Классика"},
                          {"price_shmeckles", 250.5},
                          {"price_flurbos", 180},
                          {"category_id", category["id"]},
                          {"tag_ids", json::array({tag["id"]})}});
  std::string pstream = "product-" + product["id"].dump();
  e = only_event(port, at++, "ProductCreated", pstream);
  CHECK(e["version"] == 1);
  CHECK(e["data"] == json{{"id", product["id"]},
                          {"name", "Портальная пушка"},
                          {"description", "Классика"},
                          {"image_url", nullptr},
                          {"price_shmeckles", 250.5},
                          {"price_flurbos", 180.0},
                          {"category_id", category["id"]},
                          {"tag_ids", json::array({tag["id"]})}});

  // Only the changed fields: the name is sent unchanged and stays out.
  REQUIRE(http_put(port, path_of("/products/", product),
                   {{"name", "Портальная пушка"}, {"price_shmeckles", 300}})
              .status == 200);
  e = only_event(port, at++, "ProductUpdated", pstream);
  CHECK(e["version"] == 2);
  CHECK(e["data"] == json{{"id", product["id"]}, {"price_shmeckles", 300.0}});

  // A cleared category is an explicit null.
  REQUIRE(http_put(port, path_of("/products/", product),
                   {{"category_id", nullptr}, {"tag_ids", json::array()}})
              .status == 200);
  e = only_event(port, at++, "ProductUpdated", pstream);
  CHECK(e["version"] == 3);
  CHECK(e["data"] ==
        json{{"id", product["id"]}, {"category_id", nullptr}, {"tag_ids", json::array()}});

  REQUIRE(http_delete(port, path_of("/tags/", tag)).status == 204);
  e = only_event(port, at++, "TagDeleted", tstream);
  CHECK(e["version"] == 3);
  CHECK(e["data"] == json{{"id", tag["id"]}});

  REQUIRE(http_delete(port, path_of("/categories/", category)).status == 204);
  e = only_event(port, at++, "CategoryDeleted", cstream);
  CHECK(e["version"] == 3);
  CHECK(e["data"] == json{{"id", category["id"]}});

  REQUIRE(http_delete(port, path_of("/products/", product)).status == 204);
  e = only_event(port, at++, "ProductDeleted", pstream);
  CHECK(e["version"] == 4);
  CHECK(e["data"] == json{{"id", product["id"]}});
}

TEST_CASE("deleting a category or tag appends one event and none to its products' streams") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  auto category = created(port, "/categories/", {{"name", "Гаджеты"}});
  auto tag = created(port, "/tags/", {{"name", "Хит"}});
  for (int i = 0; i < 3; ++i) {
    created(port, "/products/",
            {{"name", "p" + std::to_string(i)},
             {"price_shmeckles", 1},
             {"price_flurbos", 1},
             {"category_id", category["id"]},
             {"tag_ids", json::array({tag["id"]})}});
  }
  long long at = head_position(port);
  REQUIRE(http_delete(port, path_of("/categories/", category)).status == 204);
  only_event(port, at, "CategoryDeleted", "category-" + category["id"].dump());
  REQUIRE(http_delete(port, path_of("/tags/", tag)).status == 204);
  only_event(port, at + 1, "TagDeleted", "tag-" + tag["id"].dump());
}

TEST_CASE("a failed request appends no event") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  auto category = created(port, "/categories/", {{"name", "Гаджеты"}});
  auto product = created(port, "/products/",
                         {{"name", "Plumbus"}, {"price_shmeckles", 1}, {"price_flurbos", 2}});
  auto log = all_events(port);

  struct Refused {
    std::string method, target, body;
    Headers headers;
    int status;
  };
  std::string product_path = path_of("/products/", product);
  const std::vector<Refused> cases{
      {"POST", "/categories/", R"({"name": "гаджеты"})", {}, 409},
      {"PUT", "/categories/999", R"({"name": "x"})", {}, 404},
      {"DELETE", "/tags/999", "", {}, 404},
      {"POST", "/products/", R"({"name": "x"})", {}, 422},
      {"POST",
       "/products/",
       R"({"name": "x", "price_shmeckles": 1, "price_flurbos": 1,
                                  "category_id": 999})",
       {},
       422},
      {"PUT", product_path, R"({"price_shmeckles": -1})", {}, 422},
      {"PUT", product_path, R"({"price_shmeckles": 5})", {{"If-Match", "\"7\""}}, 412},
      {"DELETE", product_path, "", {{"If-Match", "\"7\""}}, 412},
      {"DELETE", path_of("/categories/", category), "", {{"If-Match", "\"2\""}}, 412},
  };
  for (const auto& c : cases) {
    auto res = http_request(port, c.method, c.target, c.body, c.headers);
    INFO(c.method << " " << c.target << " " << c.body << " -> " << res.status << " " << res.body);
    CHECK(res.status == c.status);
    CHECK(all_events(port) == log);
  }
  // An update that changes nothing succeeds and appends nothing either.
  REQUIRE(http_put(port, product_path, {{"name", "Plumbus"}, {"price_shmeckles", 1}}).status ==
          200);
  CHECK(all_events(port) == log);
}

TEST_CASE("the histories of a product, a category and a tag are their streams, deletion included") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  auto category = created(port, "/categories/", {{"name", "Гаджеты"}});
  auto tag = created(port, "/tags/", {{"name", "Хит"}});
  auto product = created(port, "/products/",
                         {{"name", "Plumbus"},
                          {"price_shmeckles", 1},
                          {"price_flurbos", 2},
                          {"category_id", category["id"]},
                          {"tag_ids", json::array({tag["id"]})}});
  REQUIRE(http_put(port, path_of("/products/", product), {{"price_shmeckles", 3}}).status == 200);
  REQUIRE(http_put(port, path_of("/tags/", tag), {{"name", "Хит!"}}).status == 200);
  REQUIRE(http_delete(port, path_of("/categories/", category)).status == 204);
  REQUIRE(http_delete(port, path_of("/products/", product)).status == 204);

  struct Case {
    std::string collection, stream;
    std::vector<std::string> types;
  };
  const std::vector<Case> cases{
      {"/products/",
       "product-" + product["id"].dump(),
       {"ProductCreated", "ProductUpdated", "ProductDeleted"}},
      {"/categories/", "category-" + category["id"].dump(), {"CategoryCreated", "CategoryDeleted"}},
      {"/tags/", "tag-" + tag["id"].dump(), {"TagCreated", "TagRenamed"}},
  };
  for (const auto& c : cases) {
    INFO(c.stream);
    std::string id = c.stream.substr(c.stream.find('-') + 1);
    auto history = get_json(port, c.collection + id + "/history");
    CHECK(history == get_json(port, "/events?stream=" + c.stream));
    std::vector<std::string> types;
    for (const auto& e : history)
      types.push_back(e["type"].get<std::string>());
    CHECK(types == c.types);
    CHECK(get_json(port, c.collection + id + "/history/") == history);
    // Paged like the log.
    CHECK(get_json(port, c.collection + id + "/history?after=" + history[0]["position"].dump() +
                             "&limit=1") == json::array({history[1]}));

    auto never = http_get(port, c.collection + "999/history");
    INFO(never.body);
    CHECK(never.status == 404);
    CHECK(never.json()["detail"].is_string());
  }
}

TEST_CASE("a product as_of a position shows its price, category and tags as they stood then") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  auto gadgets = created(port, "/categories/", {{"name", "Гаджеты"}});
  auto hit = created(port, "/tags/", {{"name", "Хит"}});
  auto fresh = created(port, "/tags/", {{"name", "Новинка"}});
  long long before_creation = head_position(port);
  auto product = created(port, "/products/",
                         {{"name", "Портальная пушка"},
                          {"price_shmeckles", 250.5},
                          {"price_flurbos", 180},
                          {"category_id", gadgets["id"]},
                          {"tag_ids", json::array({hit["id"], fresh["id"]})}});
  long long at_creation = head_position(port);
  std::string path = path_of("/products/", product);
  auto as_of = [&](long long position) {
    return get_json(port, path + "?as_of=" + std::to_string(position));
  };

  REQUIRE(http_put(port, path, {{"price_shmeckles", 300}}).status == 200);
  long long repriced = head_position(port);
  auto repriced_product = http_get(port, path).json();
  REQUIRE(http_put(port, path_of("/categories/", gadgets), {{"name", "Девайсы"}}).status == 200);
  long long renamed = head_position(port);
  REQUIRE(http_delete(port, path_of("/tags/", fresh)).status == 204);
  long long untagged = head_position(port);
  REQUIRE(http_delete(port, path_of("/categories/", gadgets)).status == 204);
  long long uncategorised = head_position(port);

  CHECK(as_of(at_creation) == product);
  auto then = as_of(at_creation);
  CHECK(then["price_shmeckles"] == 250.5);
  CHECK(then["version"] == 1);
  // The category's name and the tag of then, though both changed later.
  CHECK(then["category"] == json{{"id", gadgets["id"]}, {"name", "Гаджеты"}});
  CHECK(then["tags"] == json::array({{{"id", hit["id"]}, {"name", "Хит"}},
                                     {{"id", fresh["id"]}, {"name", "Новинка"}}}));

  CHECK(as_of(repriced) == repriced_product);
  CHECK(as_of(repriced)["price_shmeckles"] == 300.0);
  CHECK(as_of(repriced)["category"]["name"] == "Гаджеты");

  CHECK(as_of(renamed)["category"] == json{{"id", gadgets["id"]}, {"name", "Девайсы"}});
  CHECK(as_of(renamed)["tags"].size() == 2);

  CHECK(as_of(untagged)["tags"] == json::array({{{"id", hit["id"]}, {"name", "Хит"}}}));
  CHECK(as_of(untagged)["category_id"] == gadgets["id"]);

  // A category deleted before the position is gone from the product at it.
  CHECK(as_of(uncategorised)["category_id"] == nullptr);
  CHECK(as_of(uncategorised)["category"] == nullptr);
  // The version and timestamps are the product's own: other streams' events leave them.
  CHECK(as_of(uncategorised)["version"] == 2);
  CHECK(as_of(uncategorised)["updated_at"] == repriced_product["updated_at"]);

  // Past the head: the current state.
  auto current = get_json(port, path);
  CHECK(as_of(uncategorised) == current);
  CHECK(as_of(uncategorised + 1000) == current);

  // Before it existed, and after its deletion.
  for (long long position : {0LL, before_creation}) {
    auto res = http_get(port, path + "?as_of=" + std::to_string(position));
    INFO("as_of=" << position << " -> " << res.status << " " << res.body);
    CHECK(res.status == 404);
  }
  REQUIRE(http_delete(port, path).status == 204);
  long long deleted = head_position(port);
  auto gone = http_get(port, path + "?as_of=" + std::to_string(deleted));
  CHECK(gone.status == 404);
  CHECK(http_get(port, path + "?as_of=" + std::to_string(deleted + 50)).status == 404);
  CHECK(as_of(deleted - 1) == current);
}

TEST_CASE("as_of that is not an integer of at least 0 is a 422 in the query") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  auto product = created(port, "/products/",
                         {{"name", "Plumbus"}, {"price_shmeckles", 1}, {"price_flurbos", 2}});
  for (const std::string bad : {"abc", "-1", "1.5", ""}) {
    INFO("as_of=" << bad);
    check_invalid_at(http_get(port, path_of("/products/", product) + "?as_of=" + bad),
                     query_loc("as_of"));
  }
}
