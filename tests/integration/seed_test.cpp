// `catalog seed`: the demo catalog of Rick and Morty goods, loaded through ordinary commands
// so that it is in the event log, and loaded only once: a second run, or a run over a
// catalog that already has some of the goods, adds only what is missing.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/demo_catalog.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;

namespace {

json get_json(unsigned short port, const std::string& target) {
  auto res = http_get(port, target);
  INFO("GET " << target << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 200);
  return res.json();
}

json created(unsigned short port, const std::string& target, const json& body) {
  auto res = http_post(port, target, body);
  INFO("POST " << target << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 201);
  return res.json();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

CommandResult seed(const TempDir& dir, const std::string& db) {
  auto r = run_catalog(dir.path(), {"seed"}, {{"DATABASE_URL", database_url(db)}});
  INFO("catalog seed: exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

// The event log as `catalog events` exports it, one JSON object a line.
std::vector<json> exported_events(const TempDir& dir, const std::string& db) {
  auto r = run_catalog(dir.path(), {"events"}, {{"DATABASE_URL", database_url(db)}});
  INFO("catalog events: exit " << r.exit_code << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<json> events;
  for (const auto& line : lines_of(r.out))
    events.push_back(json::parse(line));
  return events;
}

std::multiset<std::string> names_of(const json& list) {
  std::multiset<std::string> names;
  for (const auto& item : list)
    names.insert(item["name"].get<std::string>());
  return names;
}

std::multiset<std::string> names_of(const std::vector<std::string>& list) {
  return {list.begin(), list.end()};
}

std::multiset<std::string> demo_product_names() {
  std::multiset<std::string> names;
  for (const auto& p : catalog::app::demo_catalog().products)
    names.insert(p.name);
  return names;
}

json product_named(const json& products, const std::string& name) {
  for (const auto& p : products) {
    if (p["name"] == name) return p;
  }
  FAIL("no product named " << name);
  return {};
}

std::vector<std::string> tag_names(const json& product) {
  std::vector<std::string> names;
  for (const auto& t : product["tags"])
    names.push_back(t["name"].get<std::string>());
  return names;
}

// Every product refers to a listed category and listed tags, in id order, as the API shows.
void check_consistent(const json& categories, const json& tags, const json& products) {
  std::map<long long, std::string> category_names, tag_by_id;
  for (const auto& c : categories)
    category_names[c["id"]] = c["name"];
  for (const auto& t : tags)
    tag_by_id[t["id"]] = t["name"];
  for (const auto& p : products) {
    INFO(p.dump());
    REQUIRE(p["category"].is_object());
    CHECK(p["category_id"] == p["category"]["id"]);
    CHECK(category_names.at(p["category_id"]) == p["category"]["name"]);
    CHECK_FALSE(p["tags"].empty());
    long long previous = 0;
    for (const auto& t : p["tags"]) {
      CHECK(tag_by_id.at(t["id"]) == t["name"]);
      CHECK(t["id"].get<long long>() > previous);
      previous = t["id"];
    }
  }
}

}  // namespace

TEST_CASE("catalog seed on a fresh database creates the demo catalog that the server serves") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  auto r = seed(dir, db);
  for (const auto& line : lines_of(r.err)) {
    INFO(line);
    CHECK(line.find("[info]") != std::string::npos);  // logs of its progress, no error
  }
  CHECK(std::filesystem::exists(db));

  ServerProcess server(dir.path(), db);
  unsigned short port = server.port();
  auto categories = get_json(port, "/categories/");
  auto tags = get_json(port, "/tags/");
  auto products = get_json(port, "/products/?limit=1000");
  const auto& demo = catalog::app::demo_catalog();
  CHECK(names_of(categories) == names_of(demo.categories));
  CHECK(names_of(tags) == names_of(demo.tags));
  CHECK(names_of(products) == demo_product_names());
  check_consistent(categories, tags, products);

  auto gun = product_named(products, "Портальная пушка");
  CHECK(gun["description"] == "Классическая портальная пушка от Rick");
  CHECK(gun["price_shmeckles"] == 250.5);
  CHECK(gun["price_flurbos"] == 180.0);
  CHECK(gun["category"]["name"] == "Гаджеты");
  CHECK(tag_names(gun) == std::vector<std::string>{"Хит", "Межпространственное", "Опасно"});
  CHECK(gun["version"] == 1);

  auto plumbus = product_named(products, "Плюмбус");
  CHECK(plumbus["category"]["name"] == "Бытовые товары");
  CHECK(tag_names(plumbus) == std::vector<std::string>{"Хит"});

  // The filters find the seeded goods like any others.
  auto found = get_json(port, "/products/?name=портал");
  REQUIRE(found.size() == 1);
  CHECK(found[0]["name"] == "Портальная пушка");
}

TEST_CASE("the seeded catalog is in the event log, and the log verifies") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  seed(dir, db);
  ServerProcess server(dir.path(), db);
  unsigned short port = server.port();
  auto events = get_json(port, "/events?limit=1000");
  const auto& demo = catalog::app::demo_catalog();

  std::map<std::string, std::multiset<std::string>> names_by_type;
  for (const auto& e : events)
    names_by_type[e["type"]].insert(e["data"]["name"].get<std::string>());
  INFO(events.dump());
  CHECK(names_by_type.size() == 3);  // creations only
  CHECK(names_by_type["CategoryCreated"] == names_of(demo.categories));
  CHECK(names_by_type["TagCreated"] == names_of(demo.tags));
  CHECK(names_by_type["ProductCreated"] == demo_product_names());
  REQUIRE_FALSE(events.empty());
  CHECK(get_json(port, "/health")["position"] == events.back()["position"]);

  // Each product's history is its one creation.
  for (const auto& p : get_json(port, "/products/?limit=1000")) {
    auto history = get_json(port, "/products/" + p["id"].dump() + "/history");
    REQUIRE(history.size() == 1);
    CHECK(history[0]["type"] == "ProductCreated");
  }

  auto audit = get_json(port, "/audit/verify");
  CHECK(audit["ok"] == true);
  CHECK(audit["position"] == events.back()["position"]);
}

TEST_CASE("seeding a second time creates nothing new") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  seed(dir, db);
  auto first = exported_events(dir, db);
  REQUIRE_FALSE(first.empty());
  seed(dir, db);
  auto second = exported_events(dir, db);
  CHECK(second == first);

  ServerProcess server(dir.path(), db);
  unsigned short port = server.port();
  const auto& demo = catalog::app::demo_catalog();
  CHECK(get_json(port, "/categories/").size() == demo.categories.size());
  CHECK(get_json(port, "/tags/").size() == demo.tags.size());
  CHECK(get_json(port, "/products/?limit=1000").size() == demo.products.size());
  CHECK(get_json(port, "/health")["position"] == first.back()["position"]);
  CHECK(get_json(port, "/audit/verify")["ok"] == true);
}

TEST_CASE("seeding a catalog that has some of the demo goods adds only the missing ones") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  json gadgets, plumbus, hit, own;
  {
    ServerProcess server(dir.path(), db);
    unsigned short port = server.port();
    own = created(port, "/categories/", {{"name", "Свои вещи"}});
    gadgets = created(port, "/categories/", {{"name", "Гаджеты"}});
    // Names are unique case-insensitively: this is the demo's «Хит».
    hit = created(port, "/tags/", {{"name", "хит"}});
    plumbus = created(port, "/products/",
                      {{"name", "Плюмбус"},
                       {"price_shmeckles", 1},
                       {"price_flurbos", 2},
                       {"category_id", own["id"]}});
    REQUIRE(server.stop() == 0);
  }
  seed(dir, db);

  ServerProcess server(dir.path(), db);
  unsigned short port = server.port();
  auto categories = get_json(port, "/categories/");
  auto tags = get_json(port, "/tags/");
  auto products = get_json(port, "/products/?limit=1000");
  const auto& demo = catalog::app::demo_catalog();

  auto want_categories = names_of(demo.categories);
  want_categories.insert("Свои вещи");
  CHECK(names_of(categories) == want_categories);
  auto want_tags = names_of(demo.tags);
  want_tags.erase("Хит");
  want_tags.insert("хит");
  CHECK(names_of(tags) == want_tags);
  CHECK(names_of(products) == demo_product_names());

  // What was there is reused as it is, not repeated nor changed.
  CHECK(product_named(products, "Плюмбус") == plumbus);
  auto gun = product_named(products, "Портальная пушка");
  CHECK(gun["category_id"] == gadgets["id"]);
  bool has_hit = false;
  for (const auto& t : gun["tags"])
    has_hit = has_hit || t["id"] == hit["id"];
  CHECK(has_hit);
  for (const auto& c : categories) {
    if (c["name"] == "Гаджеты") CHECK(c["id"] == gadgets["id"]);
  }
  CHECK(get_json(port, "/audit/verify")["ok"] == true);
}

TEST_CASE("catalog seed into a directory that does not exist fails with one line") {
  TempDir dir;
  auto r =
      run_catalog(dir.path(), {"seed"}, {{"DATABASE_URL", "sqlite:///./no/such/dir/catalog.db"}});
  INFO("exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 1);
  CHECK(lines_of(r.err).size() == 1);
  CHECK(r.err.find("no/such/dir/catalog.db") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "no"));
}
