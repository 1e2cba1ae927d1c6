// The auditor's and operator's command line: `catalog events` exports the log as JSON lines,
// `catalog replay` rebuilds the read model from it, `catalog verify` refuses a database
// that is not there, and wrong arguments are a usage error.
#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "db/sqlite.hpp"
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

// Everything a client can read of the catalog, to compare two states.
json snapshot(unsigned short port) {
  return json{{"categories", get_json(port, "/categories/")},
              {"tags", get_json(port, "/tags/")},
              {"products", get_json(port, "/products/?limit=1000")}};
}

// A catalog whose log has every kind of event.
void make_catalog(unsigned short port) {
  auto gadgets = created(port, "/categories/", {{"name", "Гаджеты"}});
  auto food = created(port, "/categories/", {{"name", "Еда"}});
  auto hit = created(port, "/tags/", {{"name", "Хит"}});
  auto fresh = created(port, "/tags/", {{"name", "Новинка"}});
  std::vector<json> products;
  for (int i = 0; i < 12; ++i) {
    products.push_back(created(
        port, "/products/",
        {{"name", "Товар " + std::to_string(i)},
         {"description", i % 2 ? json("описание") : json(nullptr)},
         {"price_shmeckles", 10.5 * i},
         {"price_flurbos", i},
         {"category_id", i % 3 ? gadgets["id"] : food["id"]},
         {"tag_ids", i % 2 ? json::array({hit["id"]}) : json::array({hit["id"], fresh["id"]})}}));
  }
  REQUIRE(http_put(port, path_of("/products/", products[3]),
                   {{"price_shmeckles", 99.0}, {"tag_ids", json::array()}})
              .status == 200);
  REQUIRE(http_put(port, path_of("/products/", products[4]), {{"category_id", nullptr}}).status ==
          200);
  REQUIRE(http_delete(port, path_of("/products/", products[5])).status == 204);
  REQUIRE(http_put(port, path_of("/categories/", gadgets), {{"name", "Девайсы"}}).status == 200);
  REQUIRE(http_put(port, path_of("/tags/", hit), {{"name", "Хит продаж"}}).status == 200);
  REQUIRE(http_delete(port, path_of("/tags/", fresh)).status == 204);
  REQUIRE(http_delete(port, path_of("/categories/", food)).status == 204);
}

json events_page(unsigned short port, const std::string& query) {
  return get_json(port, "/events?limit=1000" + query);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  std::string line;
  while (std::getline(in, line))
    lines.push_back(line);
  return lines;
}

// `catalog events ...` as a list of the JSON objects of its lines.
json cli_events(const TempDir& dir, const std::string& db, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"events"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_catalog(dir.path(), argv, {{"DATABASE_URL", database_url(db)}});
  INFO("catalog events: exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK((r.out.empty() || r.out.back() == '\n'));
  json list = json::array();
  for (const auto& line : lines_of(r.out)) {
    INFO(line);
    auto e = json::parse(line);
    CHECK(e.is_object());
    list.push_back(std::move(e));
  }
  return list;
}

// A usage error: exit 2, nothing on stdout, a usage line on stderr.
void check_usage_error(const TempDir& dir, const std::string& db,
                       const std::vector<std::string>& args) {
  auto r = run_catalog(dir.path(), args, {{"DATABASE_URL", database_url(db)}});
  std::string command;
  for (const auto& a : args)
    command += " " + a;
  INFO("catalog" << command << ": exit " << r.exit_code << "\nstdout: " << r.out
                 << "\nstderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("usage:") != std::string::npos);
}

}  // namespace

TEST_CASE("catalog events prints the log as JSON lines, the same objects as GET /events") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  unsigned short port = server.port();
  make_catalog(port);
  auto all = events_page(port, "");
  REQUIRE(all.size() > 20);

  CHECK(cli_events(dir, db, {}) == all);
  CHECK(cli_events(dir, db, {"--after", "7"}) == events_page(port, "&after=7"));
  CHECK(cli_events(dir, db, {"--after", "0"}) == all);
  CHECK(cli_events(dir, db, {"--after", all.back()["position"].dump()}) == json::array());
  CHECK(cli_events(dir, db, {"--stream", "product-4"}) == events_page(port, "&stream=product-4"));
  CHECK(cli_events(dir, db, {"--stream", "category-1"}) == events_page(port, "&stream=category-1"));
  CHECK(cli_events(dir, db, {"--stream", "product-4", "--after", "20"}) ==
        events_page(port, "&stream=product-4&after=20"));
  CHECK(cli_events(dir, db, {"--stream", "product-999"}) == json::array());

  // The export is the same once the server has stopped.
  REQUIRE(server.stop() == 0);
  CHECK(cli_events(dir, db, {}) == all);
}

TEST_CASE("catalog replay rebuilds the read model from the log and reports its progress") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  unsigned short port = server.port();
  make_catalog(port);
  json before = snapshot(port);
  long long head = get_json(port, "/health")["position"].get<long long>();
  REQUIRE(server.stop() == 0);

  // Spoil the read model so that only a rebuild from the log can give it back.
  {
    catalog::db::Connection conn(db, catalog::db::OpenMode::read_write);
    conn.exec(
        "DELETE FROM product_tags; DELETE FROM products; UPDATE categories SET name = 'spoilt'; "
        "DELETE FROM tags");
  }

  auto r = run_catalog(dir.path(), {"replay"}, {{"DATABASE_URL", database_url(db)}});
  INFO("catalog replay: exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  static const std::regex summary(
      R"(replayed (\d+) events in \d+(\.\d+)? s \((\d+(\.\d+)?) events/s\)\n)");
  std::smatch m;
  REQUIRE(std::regex_match(r.out, m, summary));
  CHECK(std::stoll(m[1]) == head);

  // stderr is a file here, not a terminal: plain lines, no bar drawn with carriage returns.
  CHECK(r.err.find('\r') == std::string::npos);
  auto progress = lines_of(r.err);
  REQUIRE_FALSE(progress.empty());
  for (const auto& line : progress)
    CHECK_FALSE(line.empty());
  CHECK(progress.back().find(std::to_string(head) + "/" + std::to_string(head)) !=
        std::string::npos);

  server.restart();
  CHECK(snapshot(server.port()) == before);
  auto audit = get_json(server.port(), "/audit/verify");
  CHECK(audit["ok"] == true);
}

TEST_CASE("catalog verify on a missing database fails with one line and creates no file") {
  TempDir dir;
  std::string missing = dir.file("nowhere.db");
  for (const std::string command : {"verify", "events", "replay"}) {
    auto r = run_catalog(dir.path(), {command}, {{"DATABASE_URL", database_url(missing)}});
    INFO("catalog " << command << ": exit " << r.exit_code << "\nstdout: " << r.out
                    << "\nstderr: " << r.err);
    CHECK(r.exit_code == 1);
    // stdout carries the report or the export; the error goes to stderr alone.
    CHECK(r.out.empty());
    auto lines = lines_of(r.err);
    CHECK(lines.size() == 1);
    CHECK(r.err.find("nowhere.db") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(missing));
  }
}

TEST_CASE("wrong arguments of the audit commands exit 2 with a usage line") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  {
    ServerProcess server(dir.path(), db);
    created(server.port(), "/tags/", {{"name", "one"}});
  }
  check_usage_error(dir, db, {"events", "--after", "-1"});
  check_usage_error(dir, db, {"events", "--after", "x"});
  check_usage_error(dir, db, {"events", "--stream"});
  check_usage_error(dir, db, {"verify", "--position", "3"});
  check_usage_error(dir, db, {"verify", "--hash", std::string(64, '0')});
  check_usage_error(dir, db, {"verify", "--position", "x", "--hash", std::string(64, '0')});
  check_usage_error(dir, db, {"replay", "--bogus"});
  check_usage_error(dir, db, {"bogus"});
}
