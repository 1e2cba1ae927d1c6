// The command line and the start-up of a node on PostgreSQL: `catalog migrate` on the shared
// database, `catalog copy-log` from a single node's SQLite file into a cluster's database
// (and back), `catalog verify` and `catalog events` on the shared log, `catalog seed` through
// a running node, and `catalog serve` refusing, in one line and without showing a password,
// to start where it cannot join a cluster.

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/demo_catalog.hpp"
#include "db/sqlite.hpp"
#include "support/cluster_nodes.hpp"
#include "support/http_client.hpp"
#include "support/launched_catalog.hpp"
#include "support/log_fixtures.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/temp_postgres.hpp"

using namespace catalog::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// What a failing command says beside its start-up log: every line that is not "[info]".
std::vector<std::string> errors_of(const std::string& text) {
  std::vector<std::string> errors;
  for (const auto& line : lines_of(text)) {
    if (!contains(line, "] [info] ")) errors.push_back(line);
  }
  return errors;
}

std::string described(const std::vector<std::string>& args, const CommandResult& r) {
  std::string command = "catalog";
  for (const auto& a : args)
    command += " " + a;
  return command + ": exit " + std::to_string(r.exit_code) + "\nstdout: " + r.out +
         "\nstderr: " + r.err;
}

// `catalog <args>` in `dir`; the caller checks the outcome.
CommandResult catalog_run(const std::string& dir, const std::vector<std::string>& args,
                          const Env& env) {
  return run_catalog(dir, args, env);
}

// `catalog <args>` that must succeed.
CommandResult catalog_ok(const std::string& dir, const std::vector<std::string>& args,
                         const Env& env) {
  auto r = run_catalog(dir, args, env);
  INFO(described(args, r));
  REQUIRE(r.exit_code == 0);
  return r;
}

json parse_lines(const std::string& text) {
  json list = json::array();
  for (const auto& line : lines_of(text)) {
    INFO(line);
    list.push_back(json::parse(line));
  }
  return list;
}

json get_json(unsigned short port, const std::string& target) {
  auto res = http_get(port, target);
  INFO("GET " << target << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 200);
  return res.json();
}

json created(unsigned short port, const std::string& collection, const json& body) {
  auto res = http_post(port, collection, body);
  INFO("POST " << collection << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 201);
  return res.json();
}

std::string path_of(const std::string& collection, const json& entity) {
  return collection + std::to_string(entity["id"].get<long long>());
}

// Everything a client can read of the catalog, to compare two states.
json snapshot(unsigned short port) {
  return json{{"categories", get_json(port, "/categories/")},
              {"tags", get_json(port, "/tags/")},
              {"products", get_json(port, "/products/?limit=1000")}};
}

json all_events(unsigned short port) {
  return get_json(port, "/events?limit=1000");
}

// The number of events make_catalog writes.
constexpr size_t catalog_events = 14;

// A catalog with every kind of event, with Cyrillic names and descriptions that JSON must
// escape (quotes, backslashes, newlines, a tab) and a character outside the BMP.
void make_catalog(unsigned short port) {
  auto gadgets = created(port, "/categories/", {{"name", "Гаджеты"}});
  auto food = created(port, "/categories/", {{"name", "Еда и напитки"}});
  auto hit = created(port, "/tags/", {{"name", "Хит"}});
  auto fresh = created(port, "/tags/", {{"name", "Новинка"}});
  auto gun = created(port, "/products/",
                     {{"name", "Портальная пушка"},
                      {"description", "Он сказал: \"пушка\"\\ C:\\rick\\morty\nвторая\tстрока 🚀"},
                      {"price_shmeckles", 250.5},
                      {"price_flurbos", 180},
                      {"category_id", gadgets["id"]},
                      {"tag_ids", {hit["id"], fresh["id"]}}});
  auto plumbus =
      created(port, "/products/",
              {{"name", "Плюмбус"},
               {"description", "'одинарные' и \"двойные\" кавычки \\n не перевод строки"},
               {"price_shmeckles", 12},
               {"price_flurbos", 8.5},
               {"category_id", food["id"]},
               {"tag_ids", {hit["id"]}}});
  auto sauce = created(port, "/products/",
                       {{"name", "Сычуаньский соус"},
                        {"price_shmeckles", 9001},
                        {"price_flurbos", 6500},
                        {"category_id", food["id"]}});
  REQUIRE(http_put(port, path_of("/products/", gun),
                   {{"price_shmeckles", 199.99}, {"description", "новое\r\nописание \"с\" \\"}})
              .status == 200);
  REQUIRE(http_put(port, path_of("/products/", plumbus), {{"category_id", nullptr}}).status == 200);
  REQUIRE(http_delete(port, path_of("/products/", sauce)).status == 204);
  REQUIRE(http_put(port, path_of("/categories/", gadgets), {{"name", "Девайсы"}}).status == 200);
  REQUIRE(http_put(port, path_of("/tags/", hit), {{"name", "Хит продаж"}}).status == 200);
  REQUIRE(http_delete(port, path_of("/tags/", fresh)).status == 204);
  REQUIRE(http_delete(port, path_of("/categories/", food)).status == 204);
}

Env pg_env(const TempPostgres& pg, Env extra = {}) {
  extra.emplace("DATABASE_URL", pg.url());
  return extra;
}

Env sqlite_env(const std::string& path) {
  return {{"DATABASE_URL", database_url(path)}};
}

// The URL of the test's PostgreSQL with another password, port or database.
std::string pg_url(const std::string& password, unsigned short port,
                   const std::string& database = "catalog") {
  return "postgresql://postgres:" + password + "@127.0.0.1:" + std::to_string(port) + "/" +
         database;
}

// `catalog serve` with `env` must stop by itself within `limit`: an exit (not a crash, not a
// server), one line beside the start-up log that contains `names`, and none of `secrets`
// anywhere in what it printed.
void check_refused_at_start(const std::string& dir, const Env& env, const std::string& names,
                            const std::vector<std::string>& secrets,
                            std::chrono::seconds limit = std::chrono::seconds(20)) {
  LaunchedCatalog serve(dir, {"serve"}, env);
  int code = serve.wait_exit(limit);
  std::string err = serve.err();
  std::string out = serve.out();
  std::string settings;
  for (const auto& [k, v] : env)
    settings += k + "=" + v + " ";
  INFO(settings << "\nexit " << code << "\nstderr: " << err << "\nstdout: " << out);
  CHECK(code > 0);
  CHECK(code < 128);
  auto errors = errors_of(err);
  CHECK(errors.size() == 1);
  if (!errors.empty()) CHECK(contains(errors.back(), names));
  for (const auto& secret : secrets) {
    INFO("secret: " << secret);
    CHECK_FALSE(contains(err + out, secret));
  }
  CHECK_FALSE(contains(err + out, "listening"));
}

std::set<std::string> names_of(const json& list) {
  std::set<std::string> names;
  for (const auto& item : list)
    names.insert(item["name"].get<std::string>());
  return names;
}

// A product as the demo catalog describes it: what a shopper sees, without ids and times.
json shown_product(const json& p) {
  std::set<std::string> tags;
  for (const auto& t : p["tags"])
    tags.insert(t["name"].get<std::string>());
  return json{{"name", p["name"]},
              {"description", p["description"]},
              {"image_url", p["image_url"]},
              {"price_shmeckles", p["price_shmeckles"]},
              {"price_flurbos", p["price_flurbos"]},
              {"category", p["category"].is_object() ? p["category"]["name"] : json(nullptr)},
              {"tags", tags}};
}

json demo_products() {
  json list = json::array();
  for (const auto& p : catalog::app::demo_catalog().products) {
    std::set<std::string> tags(p.tags.begin(), p.tags.end());
    list.push_back({{"name", p.name},
                    {"description", p.description},
                    {"image_url", p.image_url},
                    {"price_shmeckles", p.price_shmeckles},
                    {"price_flurbos", p.price_flurbos},
                    {"category", p.category},
                    {"tags", tags}});
  }
  std::sort(list.begin(), list.end(),
            [](const json& a, const json& b) { return a["name"] < b["name"]; });
  return list;
}

json shown_products(unsigned short port) {
  json list = json::array();
  for (const auto& p : get_json(port, "/products/?limit=1000"))
    list.push_back(shown_product(p));
  std::sort(list.begin(), list.end(),
            [](const json& a, const json& b) { return a["name"] < b["name"]; });
  return list;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// catalog migrate on PostgreSQL

TEST_CASE("catalog migrate upgrades, shows and downgrades a PostgreSQL database") {
  TempPostgres pg;
  TempDir dir;
  const Env env = pg_env(pg);

  CHECK(catalog_ok(dir.path(), {"migrate", "current"}, env).out == "base\n");

  // --sql shows PostgreSQL's SQL and changes nothing.
  auto sql = catalog_ok(dir.path(), {"migrate", "upgrade", "--sql"}, env);
  CHECK(contains(sql.out, "CREATE TABLE events"));
  CHECK(contains(sql.out, "plpgsql"));
  CHECK(contains(sql.out, "INSERT INTO schema_migrations (revision, name) VALUES (9, 'cluster');"));
  CHECK(pg.sql("SELECT to_regclass('schema_migrations') IS NULL, to_regclass('events') IS NULL") ==
        "t|t");
  CHECK(catalog_ok(dir.path(), {"migrate", "current"}, env).out == "base\n");

  auto up = catalog_ok(dir.path(), {"migrate", "upgrade"}, env);
  CHECK(lines_of(up.out) ==
        std::vector<std::string>{"upgrade 0001 event_log", "upgrade 0002 read_model",
                                 "upgrade 0003 notifier", "upgrade 0004 product_search",
                                 "upgrade 0005 search_by_projection",
                                 "upgrade 0006 prices_in_memory", "upgrade 0007 names_in_memory",
                                 "upgrade 0008 idempotency", "upgrade 0009 cluster",
                                 "upgrade 0010 subscribers", "upgrade 0011 merkle_tree"});
  CHECK(pg.sql("SELECT string_agg(revision || ' ' || name, ',' ORDER BY revision) FROM "
               "schema_migrations") ==
        "1 event_log,2 read_model,3 notifier,4 product_search,5 search_by_projection,"
        "6 prices_in_memory,7 names_in_memory,8 idempotency,9 cluster,10 subscribers,"
        "11 merkle_tree");
  CHECK(pg.sql("SELECT to_regclass('events') IS NOT NULL, to_regclass('cluster_nodes') IS NOT "
               "NULL") == "t|t");
  CHECK(pg.sql("SELECT count(*) FROM events") == "0");

  CHECK(catalog_ok(dir.path(), {"migrate", "current"}, env).out == "0011 merkle_tree (head)\n");
  auto history = lines_of(catalog_ok(dir.path(), {"migrate", "history"}, env).out);
  REQUIRE(history.size() == 11);
  CHECK(history.front() == "0001 event_log");
  CHECK(history.back() == "0011 merkle_tree (current) (head)");
  CHECK(catalog_ok(dir.path(), {"migrate", "upgrade"}, env).out ==
        "already at 0011 merkle_tree (head)\n");

  // An unknown revision: one line, exit 1, nothing changed.
  {
    auto r = catalog_run(dir.path(), {"migrate", "upgrade", "0042"}, env);
    INFO(described({"migrate", "upgrade", "0042"}, r));
    CHECK(r.exit_code == 1);
    CHECK(lines_of(r.err).size() == 1);
    CHECK(contains(r.err, "0042"));
    CHECK_FALSE(contains(r.err, pg.password()));
  }

  // A catalog in the log.
  long long head = 0;
  {
    ClusterNode node(dir.path(), pg, "before");
    REQUIRE(eventually([&] { return cluster_of(node.port())["role"] == "writer"; }));
    created(node.port(), "/categories/", {{"name", "Гаджеты"}});
    created(node.port(), "/tags/", {{"name", "Хит"}});
    head = get_json(node.port(), "/health")["position"].get<long long>();
    REQUIRE(node.process().stop() == 0);
  }
  REQUIRE(head == 2);
  std::string hashes = pg.sql("SELECT string_agg(hash, ',' ORDER BY position) FROM events");

  // downgrade --sql prints, and leaves the database alone.
  auto down_sql = catalog_ok(dir.path(), {"migrate", "downgrade", "0001", "--sql"}, env);
  CHECK(contains(down_sql.out, "DROP TABLE IF EXISTS cluster_nodes"));
  CHECK_FALSE(contains(down_sql.out, "DROP TABLE IF EXISTS events"));
  CHECK(catalog_ok(dir.path(), {"migrate", "current"}, env).out == "0011 merkle_tree (head)\n");

  // Down to 0001: everything but the log goes, and the log stays as it was.
  auto down = catalog_ok(dir.path(), {"migrate", "downgrade", "0001"}, env);
  CHECK(lines_of(down.out).front() == "downgrade 0011 merkle_tree");
  CHECK(lines_of(down.out).back() == "downgrade 0002 read_model");
  CHECK(catalog_ok(dir.path(), {"migrate", "current"}, env).out == "0001 event_log\n");
  CHECK(pg.sql("SELECT to_regclass('cluster_nodes') IS NULL, to_regclass('idempotency_keys') IS "
               "NULL") == "t|t");
  CHECK(pg.sql("SELECT string_agg(hash, ',' ORDER BY position) FROM events") == hashes);
  CHECK(pg.sql("SELECT revision FROM schema_migrations") == "1");

  // Upgraded again, the log is whole and a node serves it.
  catalog_ok(dir.path(), {"migrate", "upgrade", "head"}, env);
  CHECK(catalog_ok(dir.path(), {"migrate", "current"}, env).out == "0011 merkle_tree (head)\n");
  {
    ClusterNode node(dir.path(), pg, "after");
    auto categories = get_json(node.port(), "/categories/");
    REQUIRE(categories.size() == 1);
    CHECK(categories[0]["name"] == "Гаджеты");
    CHECK(get_json(node.port(), "/audit/verify")["ok"] == true);
    REQUIRE(node.process().stop() == 0);
  }
  catalog_ok(dir.path(), {"migrate", "downgrade", "0001"}, env);

  // base drops the log, and so asks for --yes.
  {
    auto refused = catalog_run(dir.path(), {"migrate", "downgrade", "base"}, env);
    INFO(described({"migrate", "downgrade", "base"}, refused));
    CHECK(refused.exit_code != 0);
    CHECK(contains(refused.err, "--yes"));
    CHECK(lines_of(refused.err).size() == 1);
    CHECK(refused.out.empty());
  }
  CHECK(pg.sql("SELECT count(*) FROM events") == "2");
  CHECK(catalog_ok(dir.path(), {"migrate", "current"}, env).out == "0001 event_log\n");

  auto base = catalog_ok(dir.path(), {"migrate", "downgrade", "base", "--yes"}, env);
  CHECK(lines_of(base.out) == std::vector<std::string>{"downgrade 0001 event_log"});
  CHECK(pg.sql("SELECT to_regclass('events') IS NULL") == "t");
  CHECK(catalog_ok(dir.path(), {"migrate", "current"}, env).out == "base\n");
}

// ---------------------------------------------------------------------------------------------
// catalog copy-log

TEST_CASE("copy-log moves a single node's log into PostgreSQL unchanged, and a node serves it") {
  TempPostgres pg;
  TempDir dir;
  std::string source = dir.file("single.db");
  json before, events_before;
  {
    ServerProcess single(dir.path(), source);
    make_catalog(single.port());
    before = snapshot(single.port());
    events_before = all_events(single.port());
    REQUIRE(single.stop() == 0);
  }
  REQUIRE(events_before.size() == catalog_events);
  const auto total = std::to_string(events_before.size());
  const std::string head = events_before.back()["hash"];

  // Into a bare database: it is migrated and filled.
  auto copy = catalog_ok(dir.path(), {"copy-log", "--to", pg.url()}, sqlite_env(source));
  CHECK(contains(copy.out, "copied " + total + " events"));
  CHECK(contains(copy.out, head));
  CHECK_FALSE(contains(copy.out + copy.err, pg.password()));
  CHECK(pg.sql("SELECT count(*) FROM events") == total);
  CHECK(pg.sql("SELECT max(revision) FROM schema_migrations") == "11");

  // Position for position, hash for hash, the same log, as either configuration exports it.
  auto exported = catalog_ok(dir.path(), {"events"}, sqlite_env(source)).out;
  CHECK(catalog_ok(dir.path(), {"events"}, pg_env(pg)).out == exported);
  CHECK(parse_lines(exported) == events_before);
  std::string positions_and_hashes;
  for (const auto& e : events_before) {
    if (!positions_and_hashes.empty()) positions_and_hashes += ",";
    positions_and_hashes += e["position"].dump() + ":" + e["hash"].get<std::string>();
  }
  CHECK(pg.sql("SELECT string_agg(position || ':' || hash, ',' ORDER BY position) FROM events") ==
        positions_and_hashes);

  // A second copy into the same database is refused and changes nothing.
  {
    auto again = catalog_run(dir.path(), {"copy-log", "--to", pg.url()}, sqlite_env(source));
    INFO(described({"copy-log", "--to", "<pg>"}, again));
    CHECK(again.exit_code == 1);
    CHECK(lines_of(again.err).size() == 1);
    CHECK(contains(again.err, "already holds " + total + " events"));
    CHECK_FALSE(contains(again.out + again.err, pg.password()));
    CHECK(again.out.empty());
  }
  CHECK(catalog_ok(dir.path(), {"events"}, pg_env(pg)).out == exported);

  // A node on the copy serves the same catalog, verifies it, and continues the log.
  {
    ClusterNode node(dir.path(), pg, "node");
    CHECK(snapshot(node.port()) == before);
    CHECK(all_events(node.port()) == events_before);
    auto verify = get_json(node.port(), "/audit/verify");
    CHECK(verify["ok"] == true);
    CHECK(verify["head"] == head);
    CHECK(verify["position"] == events_before.size());
    REQUIRE(eventually([&] { return cluster_of(node.port())["role"] == "writer"; }));
    auto next = http_post(node.port(), "/tags/", {{"name", "После переноса"}});
    REQUIRE(next.status == 201);
    CHECK(next.header("catalog-position") == std::to_string(events_before.size() + 1));
    CHECK(get_json(node.port(), "/audit/verify")["ok"] == true);

    // While a node writes to it, the target is refused too.
    auto busy = catalog_run(dir.path(), {"copy-log", "--to", pg.url()}, sqlite_env(source));
    INFO(described({"copy-log", "--to", "<pg>"}, busy));
    CHECK(busy.exit_code == 1);
    CHECK(lines_of(busy.err).size() == 1);
    CHECK(pg.sql("SELECT count(*) FROM events") == std::to_string(events_before.size() + 1));
  }

  // Into a SQLite file, too: the same log, and a single node serves it.
  std::string file_copy = dir.file("copy.db");
  auto to_file =
      catalog_ok(dir.path(), {"copy-log", "--to", database_url(file_copy)}, sqlite_env(source));
  CHECK(contains(to_file.out, "copied " + total + " events"));
  CHECK(catalog_ok(dir.path(), {"events"}, sqlite_env(file_copy)).out == exported);
  {
    ServerProcess copied(dir.path(), file_copy);
    CHECK(snapshot(copied.port()) == before);
    CHECK(get_json(copied.port(), "/audit/verify")["ok"] == true);
  }
}

TEST_CASE("copy-log brings a cluster's PostgreSQL log back into a single node's SQLite file") {
  TempPostgres pg;
  TempDir dir;
  ClusterNode node(dir.path(), pg, "node");
  REQUIRE(eventually([&] { return cluster_of(node.port())["role"] == "writer"; }));
  make_catalog(node.port());
  json before = snapshot(node.port());
  json events_before = all_events(node.port());

  // The source is only read: the node goes on serving while it is copied.
  std::string target = dir.file("single.db");
  auto copy = catalog_ok(dir.path(), {"copy-log", "--to", database_url(target)}, pg_env(pg));
  CHECK(contains(copy.out, "copied " + std::to_string(events_before.size()) + " events"));
  CHECK_FALSE(contains(copy.out + copy.err, pg.password()));
  CHECK(catalog_ok(dir.path(), {"events"}, sqlite_env(target)).out ==
        catalog_ok(dir.path(), {"events"}, pg_env(pg)).out);

  ServerProcess single(dir.path(), target);
  CHECK(snapshot(single.port()) == before);
  CHECK(all_events(single.port()) == events_before);
  CHECK(get_json(single.port(), "/audit/verify")["ok"] == true);
  CHECK(http_get(node.port(), "/health").status == 200);
}

TEST_CASE("copy-log refuses a tampered log, naming the first broken position, and copies nothing") {
  TempPostgres pg;
  TempDir dir;
  std::string source = dir.file("single.db");
  size_t made = 0;
  {
    ServerProcess single(dir.path(), source);
    make_catalog(single.port());
    made = all_events(single.port()).size();
    REQUIRE(single.stop() == 0);
  }
  REQUIRE(made < 2000);
  append_tag_events(source, 1000, 2100);
  const std::string total = std::to_string(made + 2100);
  auto events = catalog_ok(dir.path(), {"events"}, sqlite_env(source)).out;
  REQUIRE(std::to_string(lines_of(events).size()) == total);

  // Untouched, the log copies.
  auto control = catalog_ok(dir.path(), {"copy-log", "--to", database_url(dir.file("control.db"))},
                            sqlite_env(source));
  CHECK(contains(control.out, "copied " + total + " events"));

  // Someone with the file drops the guard and edits two events past the first 2000.
  {
    catalog::db::Connection db(source, catalog::db::OpenMode::read_write);
    db.exec(
        "DROP TRIGGER events_append_only_update; "
        "UPDATE events SET data = json_set(data, '$.name', 'подмена') "
        "WHERE position IN (2050, 2070)");
  }
  REQUIRE(catalog_ok(dir.path(), {"events", "--after", "2049"}, sqlite_env(source))
              .out.find("подмена") != std::string::npos);

  // Into PostgreSQL, migrated and empty.
  catalog_ok(dir.path(), {"migrate", "upgrade"}, pg_env(pg));
  {
    auto r = catalog_run(dir.path(), {"copy-log", "--to", pg.url()}, sqlite_env(source));
    INFO(described({"copy-log", "--to", "<pg>"}, r));
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    std::vector<std::string> refusals;
    for (const auto& line : lines_of(r.err)) {
      if (contains(line, "catalog copy-log")) refusals.push_back(line);
    }
    REQUIRE(refusals.size() == 1);
    CHECK(contains(refusals[0], "2050"));
    CHECK_FALSE(contains(refusals[0], "2070"));
    CHECK_FALSE(contains(r.err, pg.password()));
  }
  CHECK(pg.sql("SELECT count(*) FROM events") == "0");

  // Into a SQLite file.
  std::string file_target = dir.file("target.db");
  {
    auto r = catalog_run(dir.path(), {"copy-log", "--to", database_url(file_target)},
                         sqlite_env(source));
    INFO(described({"copy-log", "--to", database_url(file_target)}, r));
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(contains(r.err, "2050"));
  }
  if (fs::exists(file_target))
    CHECK(catalog_ok(dir.path(), {"events"}, sqlite_env(file_target)).out.empty());

  // The empty target still takes a sound log.
  catalog_ok(dir.path(), {"copy-log", "--to", pg.url()}, sqlite_env(dir.file("control.db")));
  CHECK(pg.sql("SELECT count(*) FROM events") == total);
}

// ---------------------------------------------------------------------------------------------
// catalog verify and catalog events on the shared log

TEST_CASE("catalog verify and catalog events read a node's shared log and its read model") {
  TempPostgres pg;
  TempDir dir;
  ClusterNode node(dir.path(), pg, "node");
  REQUIRE(eventually([&] { return cluster_of(node.port())["role"] == "writer"; }));
  make_catalog(node.port());
  const Env env = pg_env(pg, {{"CATALOG_READ_MODEL", node.dir() + "/read.db"}});
  json events = all_events(node.port());
  REQUIRE(events.size() == catalog_events);

  // verify: the JSON of GET /audit/verify, exit 0.
  auto verify = catalog_ok(dir.path(), {"verify"}, env);
  REQUIRE(lines_of(verify.out).size() == 1);
  auto report = json::parse(verify.out);
  CHECK(report == get_json(node.port(), "/audit/verify"));
  CHECK(report["ok"] == true);
  CHECK(report["events"] == catalog_events);
  CHECK(report["head"] == events.back()["hash"]);

  // A digest kept earlier is proved, and a wrong one is not.
  CHECK(json::parse(
            catalog_ok(
                dir.path(),
                {"verify", "--position", "5", "--hash", events[4]["hash"].get<std::string>()}, env)
                .out)["ok"] == true);
  {
    std::vector<std::string> args{"verify", "--position", "5", "--hash", std::string(64, 'a')};
    auto wrong = catalog_run(dir.path(), args, env);
    INFO(described(args, wrong));
    CHECK(wrong.exit_code == 1);
    auto failed = json::parse(wrong.out);
    CHECK(failed["ok"] == false);
    CHECK(failed["position"] == 5);
  }

  // events: the same objects as GET /events, as JSON lines.
  auto exported = catalog_ok(dir.path(), {"events"}, env);
  CHECK(exported.out.back() == '\n');
  CHECK(parse_lines(exported.out) == events);
  CHECK(parse_lines(catalog_ok(dir.path(), {"events", "--after", "7"}, env).out) ==
        get_json(node.port(), "/events?limit=1000&after=7"));
  auto category =
      parse_lines(catalog_ok(dir.path(), {"events", "--stream", "category-1"}, env).out);
  CHECK(category == get_json(node.port(), "/events?stream=category-1"));
  REQUIRE(category.size() == 2);
  for (const auto& e : category)
    CHECK(e["stream"] == "category-1");
  CHECK(category[1]["data"]["name"] == "Девайсы");
  auto later = parse_lines(
      catalog_ok(dir.path(), {"events", "--stream", "product-1", "--after", "5"}, env).out);
  CHECK(later == get_json(node.port(), "/events?stream=product-1&after=5"));
  REQUIRE(later.size() == 1);
  CHECK(later[0]["type"] == "ProductUpdated");
  CHECK(catalog_ok(dir.path(), {"events", "--stream", "product-999"}, env).out.empty());
  CHECK(catalog_ok(dir.path(), {"events", "--after", std::to_string(catalog_events)}, env)
            .out.empty());

  // verify reads the node's read model: a spoilt one fails.
  REQUIRE(node.process().stop() == 0);
  CHECK(catalog_ok(dir.path(), {"verify"}, env).out == verify.out);
  {
    catalog::db::Connection db(node.dir() + "/read.db", catalog::db::OpenMode::read_write);
    db.exec("UPDATE categories SET name = 'испорчено'");
  }
  auto spoilt = catalog_run(dir.path(), {"verify"}, env);
  INFO(described({"verify"}, spoilt));
  CHECK(spoilt.exit_code == 1);
  CHECK(json::parse(spoilt.out)["ok"] == false);
  CHECK(contains(spoilt.err, "categories"));
}

// ---------------------------------------------------------------------------------------------
// catalog serve on PostgreSQL: start-up failures

TEST_CASE("a node that cannot reach or log in to PostgreSQL stops with one line and no password") {
  TempPostgres pg;
  TempDir dir;
  auto env_with = [&](const std::string& url) {
    return node_env(dir.path(), pg, free_port(), {{"DATABASE_URL", url}});
  };
  // Nobody listens on the port.
  unsigned short nobody = free_port();
  check_refused_at_start(dir.path(), env_with(pg_url(pg.password(), nobody)),
                         std::to_string(nobody), {pg.password()});
  // A wrong password.
  check_refused_at_start(dir.path(), env_with(pg_url("WRONG", pg.port())),
                         "password authentication failed", {"WRONG", pg.password()});
  // A database that does not exist.
  check_refused_at_start(dir.path(), env_with(pg_url(pg.password(), pg.port(), "no_such_db")),
                         "no_such_db", {pg.password()});
  // URLs libpq rejects.
  check_refused_at_start(dir.path(),
                         env_with(pg_url(pg.password(), pg.port()) + "?bad_parameter=1"),
                         "DATABASE_URL", {pg.password()});
  check_refused_at_start(dir.path(), env_with(pg_url("WRONG", pg.port()) + "?sslmode=sometimes"),
                         "sslmode", {"WRONG"});
  check_refused_at_start(
      dir.path(),
      env_with("postgresql://postgres:" + pg.password() + "@127.0.0.1:notaport/catalog"),
      "notaport", {pg.password()});
  check_refused_at_start(dir.path(),
                         env_with("postgresql://postgres@127.0.0.1:" + std::to_string(pg.port()) +
                                  "/catalog?password=WRONG&bad_parameter=1"),
                         "DATABASE_URL", {"WRONG"});
  // Nothing of it reached the database.
  CHECK(pg.sql("SELECT to_regclass('events') IS NULL") == "t");
}

TEST_CASE("a node on PostgreSQL without a usable CATALOG_NODE_URL stops with one line naming it") {
  TempPostgres pg;
  TempDir dir;
  unsigned short port = free_port();
  Env missing = node_env(dir.path(), pg, port);
  missing.erase("CATALOG_NODE_URL");
  check_refused_at_start(dir.path(), missing, "CATALOG_NODE_URL", {pg.password()});
  std::string p = std::to_string(port);
  const std::vector<std::string> wrong{"127.0.0.1:" + p,     "https://127.0.0.1:" + p,
                                       "http://127.0.0.1",   "http://127.0.0.1:" + p + "/catalog",
                                       "http://127.0.0.1:0", "http://127.0.0.1:70000",
                                       "http://:" + p,       "http://127.0.0.1:" + p + "x"};
  for (const auto& url : wrong) {
    INFO("CATALOG_NODE_URL=" << url);
    check_refused_at_start(dir.path(), node_env(dir.path(), pg, port, {{"CATALOG_NODE_URL", url}}),
                           "CATALOG_NODE_URL", {pg.password()});
  }
  CHECK(pg.sql("SELECT to_regclass('events') IS NULL") == "t");
}

TEST_CASE("a second node with a running node's CATALOG_NODE_URL is refused, a restarted one not") {
  TempPostgres pg;
  TempDir dir;
  ClusterNode first(dir.path(), pg, "first");
  REQUIRE(eventually([&] { return cluster_of(first.port())["role"] == "writer"; }));
  created(first.port(), "/categories/", {{"name", "Гаджеты"}});

  // Its own port and read model, the first node's URL.
  fs::create_directories(dir.file("second"));
  auto started = std::chrono::steady_clock::now();
  check_refused_at_start(
      dir.file("second"),
      node_env(dir.file("second"), pg, free_port(), {{"CATALOG_NODE_URL", first.url()}}),
      "CATALOG_NODE_URL", {pg.password()}, std::chrono::seconds(30));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(20));
  // The running node was not disturbed.
  auto cluster = cluster_of(first.port());
  CHECK(cluster["role"] == "writer");
  CHECK(cluster["nodes"].size() == 1);
  CHECK(created(first.port(), "/tags/", {{"name", "Хит"}})["id"] == 1);

  // Killed, and started again at once with the same URL: its old session must not keep it out.
  first.process().kill9();
  REQUIRE_NOTHROW(first.process().restart());
  REQUIRE(eventually([&] { return cluster_of(first.port())["role"] == "writer"; },
                     std::chrono::seconds(15)));
  cluster = cluster_of(first.port());
  CHECK(cluster["node"] == first.url());
  CHECK(cluster["nodes"].size() == 1);
  CHECK(get_json(first.port(), "/categories/1")["name"] == "Гаджеты");
  CHECK(created(first.port(), "/tags/", {{"name", "Новинка"}})["id"] == 2);
  CHECK(get_json(first.port(), "/audit/verify")["ok"] == true);
}

// ---------------------------------------------------------------------------------------------
// catalog seed on PostgreSQL

TEST_CASE("catalog seed on PostgreSQL loads the demo catalog through a node, and only once") {
  TempPostgres pg;
  TempDir dir;
  auto nodes = start_nodes(dir.path(), pg, 2);
  int writer = writer_of(nodes);
  REQUIRE(writer >= 0);
  auto& follower = *nodes[1 - writer];

  // Without a node to send it through, it is refused in one line.
  {
    auto r = catalog_run(dir.path(), {"seed"}, pg_env(pg));
    INFO(described({"seed"}, r));
    CHECK(r.exit_code == 1);
    CHECK(lines_of(r.err).size() == 1);
    CHECK(contains(r.err, "CATALOG_NODE_URL"));
    CHECK_FALSE(contains(r.err, pg.password()));
  }

  // Through a follower, which forwards every command to the writer.
  const Env env = pg_env(pg, {{"CATALOG_NODE_URL", follower.url()}});
  auto first = catalog_run(dir.path(), {"seed"}, env);
  {
    INFO(described({"seed"}, first));
    CHECK(first.exit_code == 0);
    CHECK(contains(first.out, std::to_string(catalog::app::demo_catalog().products.size()) +
                                  " products created"));
  }
  const auto& demo = catalog::app::demo_catalog();
  std::set<std::string> categories(demo.categories.begin(), demo.categories.end());
  std::set<std::string> tags(demo.tags.begin(), demo.tags.end());
  json expected_products = demo_products();
  json events = all_events(nodes[writer]->port());
  CHECK(events.size() == demo.categories.size() + demo.tags.size() + demo.products.size());
  for (auto& n : nodes) {
    INFO("node " << n->url());
    CHECK(eventually([&] { return all_events(n->port()).size() == events.size(); }));
    CHECK(names_of(get_json(n->port(), "/categories/")) == categories);
    CHECK(names_of(get_json(n->port(), "/tags/")) == tags);
    CHECK(shown_products(n->port()) == expected_products);
    CHECK(get_json(n->port(), "/audit/verify")["ok"] == true);
  }

  // Again, through the writer this time: nothing new.
  auto second =
      catalog_run(dir.path(), {"seed"}, pg_env(pg, {{"CATALOG_NODE_URL", nodes[writer]->url()}}));
  {
    INFO(described({"seed"}, second));
    CHECK(second.exit_code == 0);
    CHECK(contains(second.out, "0 categories and tags and 0 products created"));
  }
  CHECK(all_events(nodes[writer]->port()) == events);
  CHECK(pg.sql("SELECT count(*) FROM events") == std::to_string(events.size()));
}

TEST_CASE("copy-log refuses a --to it cannot use in one line that names it, showing no password") {
  TempPostgres pg;
  TempDir dir;
  std::string source = dir.file("single.db");
  {
    ServerProcess single(dir.path(), source);
    created(single.port(), "/tags/", {{"name", "Хит"}});
  }
  // Each target, and what the refusal must say about it.
  const std::vector<std::pair<std::string, std::string>> targets{
      {"mysql://catalog/x", "mysql://catalog/x"},
      {pg_url("WRONG", pg.port()), "password authentication failed"},
      {pg_url("WRONG", pg.port()) + "?bad_parameter=1", "bad_parameter"},
      {database_url(source), "already holds 1 event"},
  };
  for (const auto& [to, says] : targets) {
    auto r = catalog_run(dir.path(), {"copy-log", "--to", to}, sqlite_env(source));
    INFO(described({"copy-log", "--to", to}, r));
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(lines_of(r.err).size() == 1);
    CHECK(contains(r.err, says));
    CHECK_FALSE(contains(r.err, "WRONG"));
    // The source's configuration is not what is wrong.
    CHECK_FALSE(contains(r.err, "DATABASE_URL"));
  }
  CHECK(pg.sql("SELECT to_regclass('events') IS NULL") == "t");
}
