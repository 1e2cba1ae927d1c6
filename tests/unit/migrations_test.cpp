// The schema migrations and their runner against real SQLite files: up, down, failures
// midway, the event log's guards, target parsing and the `catalog migrate` command.
#include "db/migrations.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/migrate_command.hpp"
#include "db/sqlite.hpp"

namespace {

using catalog::db::Connection;
using catalog::db::Migration;
using catalog::db::Migrator;
using catalog::db::OpenMode;
namespace fs = std::filesystem;

// A database file of its own for each test, removed with its WAL side files afterwards.
struct TempDb {
  fs::path path;
  TempDb() {
    static std::mt19937_64 rng{std::random_device{}()};
    path = fs::temp_directory_path() / ("catalog-migrations-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(rng()) + ".db");
  }
  ~TempDb() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      fs::remove(path.string() + suffix, ec);
    }
  }
  std::string str() const { return path.string(); }
};

Connection open(const TempDb& db) {
  return Connection(db.str(), OpenMode::read_write_create);
}

bool has_table(Connection& conn, const std::string& name) {
  catalog::db::Statement q(conn, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  q.bind(1, name);
  return q.step();
}

int64_t count(Connection& conn, const std::string& sql) {
  catalog::db::Statement q(conn, sql);
  REQUIRE(q.step());
  return q.int64(0);
}

void append_event(Connection& conn, int position, const std::string& stream, int version) {
  catalog::db::Statement insert(conn,
                                "INSERT INTO events (position, stream, version, type, data, "
                                "recorded_at, hash) VALUES (?1, ?2, ?3, 'ProductCreated', '{}', "
                                "'2024-01-01T00:00:00Z', ?4)");
  insert.bind(1, position).bind(2, stream).bind(3, version).bind(4, std::string(64, 'a')).run();
}

std::string invalid_argument_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no std::invalid_argument thrown)";
}

struct CliResult {
  int status;
  std::string out;
  std::string err;
};

CliResult run_cli(const std::string& args, const std::string& path) {
  CLI::App app("catalog");
  catalog::app::MigrateOptions options;
  catalog::app::add_migrate_command(app, options);
  app.parse(args, false);
  std::ostringstream out;
  std::ostringstream err;
  int status = catalog::app::run_migrate(options, path, out, err);
  return {status, out.str(), err.str()};
}

}  // namespace

TEST_CASE("upgrading to head creates the event log and the read model", "[migrations]") {
  TempDb file;
  auto conn = open(file);
  Migrator migrator(conn, catalog::db::embedded_migrations());
  REQUIRE(migrator.current() == 0);
  REQUIRE(migrator.head() == 11);
  REQUIRE(migrator.pending() == std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});

  migrator.upgrade(migrator.head());

  CHECK(migrator.current() == 11);
  CHECK(migrator.pending().empty());
  CHECK(has_table(conn, "events"));
  CHECK(has_table(conn, "products"));
  CHECK(has_table(conn, "projection_checkpoints"));
  CHECK(has_table(conn, "notifier_checkpoints"));
  CHECK(has_table(conn, "subscribers"));
  CHECK_FALSE(has_table(conn, "products_search"));  // names are searched in memory (0007)
  CHECK(count(conn, "SELECT count(*) FROM schema_migrations WHERE applied_at <> ''") == 11);
  CHECK(count(conn,
              "SELECT count(*) FROM schema_migrations WHERE revision = 1 AND "
              "name = 'event_log'") == 1);
}

TEST_CASE("downgrading to the event log's revision keeps the event log", "[migrations]") {
  TempDb file;
  auto conn = open(file);
  Migrator migrator(conn, catalog::db::embedded_migrations());
  migrator.upgrade(migrator.head());
  append_event(conn, 1, "product-1", 1);
  append_event(conn, 2, "product-1", 2);

  migrator.downgrade(migrator.resolve_downgrade_target("0001"));

  CHECK(migrator.current() == 1);
  CHECK_FALSE(has_table(conn, "notifier_checkpoints"));
  CHECK_FALSE(has_table(conn, "products"));
  CHECK_FALSE(has_table(conn, "projection_checkpoints"));
  REQUIRE(has_table(conn, "events"));
  CHECK(count(conn, "SELECT count(*) FROM events") == 2);
}

TEST_CASE("upgrading after a downgrade restores the read model", "[migrations]") {
  TempDb file;
  auto conn = open(file);
  Migrator migrator(conn, catalog::db::embedded_migrations());
  migrator.upgrade(2);
  append_event(conn, 1, "product-1", 1);
  migrator.downgrade(1);
  migrator.upgrade(2);

  CHECK(migrator.current() == 2);
  CHECK(has_table(conn, "products"));
  CHECK(count(conn, "SELECT count(*) FROM events") == 1);
  CHECK(count(conn, "SELECT count(*) FROM schema_migrations") == 2);
}

TEST_CASE("downgrading to base drops every table of the schema", "[migrations]") {
  TempDb file;
  auto conn = open(file);
  Migrator migrator(conn, catalog::db::embedded_migrations());
  migrator.upgrade(2);
  append_event(conn, 1, "product-1", 1);
  std::vector<int> reverted;

  migrator.downgrade(migrator.resolve_downgrade_target("base"),
                     [&](const Migration& m) { reverted.push_back(m.revision); });

  CHECK(reverted == std::vector<int>{2, 1});
  CHECK(migrator.current() == 0);
  // Only the (now empty) version table is left, as with alembic's alembic_version.
  CHECK(count(conn, "SELECT count(*) FROM sqlite_master WHERE name <> 'schema_migrations'") == 0);
  CHECK(count(conn, "SELECT count(*) FROM schema_migrations") == 0);
}

TEST_CASE("0005 hands the name index from triggers to the projection, and 0004 takes it back",
          "[migrations]") {
  TempDb file;
  auto conn = open(file);
  Migrator migrator(conn, catalog::db::embedded_migrations());
  auto insert = [&](int id, const char* name) {
    catalog::db::Statement s(conn,
                             "INSERT INTO products (id, name, name_folded, price_shmeckles, "
                             "price_flurbos, version, created_at, updated_at) "
                             "VALUES (?1, ?2, ?2, 1, 1, 1, 't', 't')");
    s.bind(1, id).bind(2, name);
    s.run();
  };
  auto found = [&](const char* phrase) {
    catalog::db::Statement s(conn,
                             "SELECT count(*) FROM products_search WHERE products_search MATCH ?1");
    s.bind(1, phrase);
    REQUIRE(s.step());
    return s.int64(0);
  };
  const std::string triggers =
      "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
      "AND tbl_name = 'products'";

  migrator.upgrade(4);
  insert(1, "plumbus");
  CHECK(found("plumbus") == 1);  // indexed by the trigger

  migrator.upgrade(5);
  CHECK(count(conn, triggers) == 0);
  insert(2, "portal gun");
  CHECK(found("portal") == 0);   // from now on the projection's job
  CHECK(found("plumbus") == 1);  // what was indexed stays

  migrator.downgrade(4);
  CHECK(count(conn, triggers) == 3);
  insert(3, "meeseeks box");
  CHECK(found("meeseeks") == 1);
}

TEST_CASE("the event log refuses updates, deletes and gaps", "[migrations]") {
  TempDb file;
  auto conn = open(file);
  Migrator migrator(conn, catalog::db::embedded_migrations());
  migrator.upgrade(1);
  append_event(conn, 1, "product-1", 1);
  append_event(conn, 2, "product-2", 1);

  CHECK_THROWS_AS(conn.exec("UPDATE events SET type = 'Tampered' WHERE position = 1"),
                  catalog::db::Error);
  CHECK_THROWS_WITH(conn.exec("DELETE FROM events WHERE position = 2"),
                    Catch::Contains("append-only"));
  CHECK_THROWS_AS(append_event(conn, 4, "product-3", 1), catalog::db::Error);
  CHECK_THROWS_AS(append_event(conn, 3, "product-1", 3), catalog::db::Error);
  CHECK(count(conn, "SELECT count(*) FROM events") == 2);
  CHECK(count(conn, "SELECT count(*) FROM events WHERE type = 'Tampered'") == 0);
  append_event(conn, 3, "product-1", 2);
}

TEST_CASE("0006 drops the price indexes, and its downgrade builds them again", "[migrations]") {
  TempDb file;
  auto conn = open(file);
  Migrator migrator(conn, catalog::db::embedded_migrations());
  const std::string price_indexes =
      "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'products' "
      "AND name LIKE 'products_by_price_%'";
  migrator.upgrade(5);
  CHECK(count(conn, price_indexes) == 2);
  migrator.upgrade(6);
  CHECK(count(conn, price_indexes) == 0);
  CHECK(count(conn,
              "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
              "tbl_name = 'products'") == 4);  // category, name, created, updated
  migrator.downgrade(5);
  CHECK(count(conn, price_indexes) == 2);
}

TEST_CASE("0007 drops the trigram table, and its downgrade builds it again from the names",
          "[migrations]") {
  TempDb file;
  auto conn = open(file);
  Migrator migrator(conn, catalog::db::embedded_migrations());
  migrator.upgrade(6);
  REQUIRE(has_table(conn, "products_search"));
  migrator.upgrade(7);
  CHECK_FALSE(has_table(conn, "products_search"));
  catalog::db::Statement insert(conn,
                                "INSERT INTO products (id, name, name_folded, price_shmeckles, "
                                "price_flurbos, version, created_at, updated_at) "
                                "VALUES (1, 'Portal Gun', 'portal gun', 1, 1, 1, 't', 't')");
  insert.run();
  // Revision 6's projection writes the table row by row and expects it to hold every name.
  migrator.downgrade(6);
  REQUIRE(has_table(conn, "products_search"));
  CHECK(count(conn,
              "SELECT count(*) FROM products_search WHERE products_search MATCH '\"tal g\"'") == 1);
}

TEST_CASE("targets are read as head, revisions and relative steps", "[migrations]") {
  TempDb file;
  auto conn = open(file);
  Migrator migrator(conn, catalog::db::embedded_migrations());

  CHECK(migrator.resolve_upgrade_target("head") == 11);
  CHECK(migrator.resolve_upgrade_target("1") == 1);
  CHECK(migrator.resolve_upgrade_target("0002") == 2);
  CHECK(migrator.resolve_upgrade_target("+1") == 1);
  CHECK(migrator.resolve_upgrade_target("+2") == 2);
  CHECK(invalid_argument_message([&] { migrator.resolve_upgrade_target("+12"); }) ==
        "cannot upgrade +12: only 11 revisions pending");
  CHECK(migrator.resolve_downgrade_target("base") == 0);

  migrator.upgrade(2);
  CHECK(migrator.resolve_downgrade_target("-1") == 1);
  CHECK(migrator.resolve_downgrade_target("-2") == 0);
  CHECK(migrator.resolve_downgrade_target("0001") == 1);
  CHECK(migrator.resolve_downgrade_target("2") == 2);
  CHECK_THROWS_AS(migrator.resolve_downgrade_target("-3"), std::invalid_argument);
}

TEST_CASE("unknown or malformed revisions are refused with a one-line message", "[migrations]") {
  TempDb file;
  auto conn = open(file);
  Migrator migrator(conn, catalog::db::embedded_migrations());

  CHECK(invalid_argument_message([&] { migrator.resolve_upgrade_target("0012"); }) ==
        "unknown revision 0012 (known: 0001..0011)");
  CHECK(invalid_argument_message([&] { migrator.resolve_downgrade_target("12"); }) ==
        "unknown revision 0012 (known: 0001..0011)");
  CHECK(invalid_argument_message([&] { migrator.resolve_upgrade_target("99999999999"); }) ==
        "unknown revision 99999999999 (known: 0001..0011)");
  for (const char* bad : {"", "abc", "+", "+0", "-1", "2x", "base", " 2"}) {
    INFO("upgrade target '" << bad << "'");
    CHECK_THROWS_WITH(migrator.resolve_upgrade_target(bad),
                      Catch::StartsWith("invalid upgrade target"));
  }
  for (const char* bad : {"", "head", "-", "-0", "+1", "-x"}) {
    INFO("downgrade target '" << bad << "'");
    CHECK_THROWS_WITH(migrator.resolve_downgrade_target(bad),
                      Catch::StartsWith("invalid downgrade target"));
  }
  CHECK_THROWS_AS(migrator.upgrade(99), std::invalid_argument);
  CHECK(migrator.current() == 0);
}

TEST_CASE("upgrading below the current revision or downgrading above it is refused",
          "[migrations]") {
  TempDb file;
  auto conn = open(file);
  Migrator migrator(conn, catalog::db::embedded_migrations());
  migrator.upgrade(1);

  CHECK(invalid_argument_message([&] { migrator.resolve_downgrade_target("2"); }) ==
        "cannot downgrade to 0002: the database is at 0001 (use upgrade to go forward)");
  migrator.upgrade(2);
  CHECK(invalid_argument_message([&] { migrator.resolve_upgrade_target("1"); }) ==
        "cannot upgrade to 0001: the database is already at 0002 (use downgrade to go back)");
  CHECK_THROWS_AS(migrator.upgrade(1), std::invalid_argument);
  CHECK(migrator.current() == 2);
}

TEST_CASE("upgrade_sql shows the schema change without touching the database", "[migrations]") {
  TempDb file;
  auto conn = open(file);
  Migrator migrator(conn, catalog::db::embedded_migrations());

  std::string sql = migrator.upgrade_sql(2);

  CHECK_THAT(sql, Catch::Contains("CREATE TABLE events ("));
  CHECK_THAT(sql, Catch::Contains("CREATE TABLE products ("));
  CHECK_THAT(sql, Catch::Contains("CREATE TABLE IF NOT EXISTS schema_migrations"));
  CHECK_THAT(sql, Catch::Contains("BEGIN IMMEDIATE;"));
  CHECK_THAT(sql, Catch::Contains("INSERT INTO schema_migrations (revision, name, applied_at) "
                                  "VALUES (2, 'read_model', "));
  CHECK_THAT(sql, Catch::EndsWith("COMMIT;\n"));
  CHECK(count(conn, "SELECT count(*) FROM sqlite_master") == 0);
  CHECK(migrator.current() == 0);

  // Run by hand, the printed script leaves the database where upgrade() would.
  conn.exec(sql);
  CHECK(migrator.current() == 2);
  CHECK(has_table(conn, "products"));
}

TEST_CASE("downgrade_sql for one step reverts the read model only", "[migrations]") {
  TempDb file;
  auto conn = open(file);
  Migrator migrator(conn, catalog::db::embedded_migrations());
  migrator.upgrade(2);

  std::string sql = migrator.downgrade_sql(1);

  CHECK_THAT(sql, Catch::Contains("DROP TABLE IF EXISTS products;"));
  CHECK_THAT(sql, Catch::Contains("DELETE FROM schema_migrations WHERE revision = 2;"));
  CHECK_THAT(sql, !Catch::Contains("DROP TABLE IF EXISTS events"));
  CHECK(has_table(conn, "products"));
  CHECK(migrator.current() == 2);
}

TEST_CASE("a migration that fails midway leaves the database at the last good revision",
          "[migrations]") {
  TempDb file;
  auto conn = open(file);
  std::vector<Migration> migrations = {
      {1, "first", "CREATE TABLE first_table (x INTEGER);", "DROP TABLE first_table;", "", ""},
      {2, "broken",
       "CREATE TABLE second_table (x INTEGER);\n"
       "INSERT INTO first_table VALUES (1);\n"
       "INSERT INTO no_such_table VALUES (1);\n",
       "DROP TABLE second_table;", "", ""},
  };
  Migrator migrator(conn, migrations);
  std::vector<int> applied;

  CHECK_THROWS_WITH(
      migrator.upgrade(2, [&](const Migration& m) { applied.push_back(m.revision); }),
      Catch::StartsWith("migration 0002 broken failed: ") && Catch::Contains("no_such_table"));

  CHECK(applied == std::vector<int>{1});
  CHECK(migrator.current() == 1);
  CHECK(has_table(conn, "first_table"));
  CHECK_FALSE(has_table(conn, "second_table"));
  CHECK(count(conn, "SELECT count(*) FROM first_table") == 0);
  // No transaction is left open: the connection can write again.
  conn.exec("INSERT INTO first_table VALUES (2)");
}

TEST_CASE("a database migrated by a newer binary is reported but left alone", "[migrations]") {
  TempDb file;
  auto conn = open(file);
  Migrator migrator(conn, catalog::db::embedded_migrations());
  migrator.upgrade(2);
  conn.exec(
      "INSERT INTO schema_migrations (revision, name, applied_at) "
      "VALUES (99, 'from_the_future', '2099-01-01T00:00:00Z')");

  CHECK(migrator.current() == 99);
  CHECK(migrator.pending().empty());
  CHECK_THROWS_WITH(migrator.check_known(),
                    Catch::Contains("schema revision 0099, which this binary does not know"));
  CHECK_THROWS_AS(migrator.resolve_upgrade_target("head"), std::runtime_error);
  CHECK_THROWS_AS(migrator.upgrade(2), std::runtime_error);
  CHECK_THROWS_AS(migrator.downgrade(1), std::runtime_error);
  CHECK_THROWS_AS(catalog::db::migrate_to_head(conn), std::runtime_error);
  CHECK(has_table(conn, "products"));
  CHECK(migrator.current() == 99);

  CHECK(run_cli("migrate current", file.str()).out == "0099 (unknown to this binary)\n");
  auto refused = run_cli("migrate upgrade", file.str());
  CHECK(refused.status == 1);
  CHECK_THAT(refused.err, Catch::Contains("it was migrated by a newer catalog"));
}

TEST_CASE("migrate_to_head brings a new database to head and is idempotent", "[migrations]") {
  TempDb file;
  auto conn = open(file);
  catalog::db::migrate_to_head(conn);
  catalog::db::migrate_to_head(conn);
  Migrator migrator(conn, catalog::db::embedded_migrations());
  CHECK(migrator.current() == migrator.head());
  CHECK(count(conn, "SELECT count(*) FROM schema_migrations") == migrator.head());
}

TEST_CASE("migrate upgrade prints each step and current/history mark the revision",
          "[migrations]") {
  TempDb file;

  auto up = run_cli("migrate upgrade +1", file.str());
  CHECK(up.status == 0);
  CHECK(up.out == "upgrade 0001 event_log\n");
  CHECK(run_cli("migrate current", file.str()).out == "0001 event_log\n");
  CHECK(run_cli("migrate history", file.str()).out ==
        "0001 event_log (current)\n0002 read_model\n0003 notifier\n0004 product_search\n"
        "0005 search_by_projection\n0006 prices_in_memory\n0007 names_in_memory\n"
        "0008 idempotency\n0009 cluster\n0010 subscribers\n0011 merkle_tree (head)\n");

  CHECK(run_cli("migrate upgrade", file.str()).out ==
        "upgrade 0002 read_model\nupgrade 0003 notifier\nupgrade 0004 product_search\n"
        "upgrade 0005 search_by_projection\nupgrade 0006 prices_in_memory\n"
        "upgrade 0007 names_in_memory\nupgrade 0008 idempotency\nupgrade 0009 cluster\n"
        "upgrade 0010 subscribers\nupgrade 0011 merkle_tree\n");
  CHECK(run_cli("migrate current", file.str()).out == "0011 merkle_tree (head)\n");
  CHECK(run_cli("migrate history", file.str()).out ==
        "0001 event_log\n0002 read_model\n0003 notifier\n0004 product_search\n"
        "0005 search_by_projection\n0006 prices_in_memory\n0007 names_in_memory\n"
        "0008 idempotency\n0009 cluster\n0010 subscribers\n0011 merkle_tree (current) (head)\n");
  CHECK(run_cli("migrate upgrade head", file.str()).out == "already at 0011 merkle_tree (head)\n");

  auto down = run_cli("migrate downgrade", file.str());
  CHECK(down.status == 0);
  CHECK(down.out == "downgrade 0011 merkle_tree\n");
}

TEST_CASE("migrate downgrade to base without --yes changes nothing and exits 2", "[migrations]") {
  TempDb file;
  REQUIRE(run_cli("migrate upgrade", file.str()).status == 0);

  for (const char* args : {"migrate downgrade base", "migrate downgrade -11"}) {
    INFO(args);
    auto refused = run_cli(args, file.str());
    CHECK(refused.status == 2);
    CHECK(refused.out.empty());
    CHECK_THAT(refused.err, Catch::Contains("--yes"));
    CHECK(std::count(refused.err.begin(), refused.err.end(), '\n') == 1);
    CHECK(run_cli("migrate current", file.str()).out == "0011 merkle_tree (head)\n");
  }

  auto confirmed = run_cli("migrate downgrade base --yes", file.str());
  CHECK(confirmed.status == 0);
  CHECK(confirmed.out ==
        "downgrade 0011 merkle_tree\ndowngrade 0010 subscribers\n"
        "downgrade 0009 cluster\n"
        "downgrade 0008 idempotency\n"
        "downgrade 0007 names_in_memory\ndowngrade 0006 prices_in_memory\n"
        "downgrade 0005 search_by_projection\ndowngrade 0004 product_search\n"
        "downgrade 0003 notifier\ndowngrade 0002 read_model\n"
        "downgrade 0001 event_log\n");
  CHECK(run_cli("migrate current", file.str()).out == "base\n");
}

TEST_CASE("migrate --sql on a missing database prints SQL and creates no file", "[migrations]") {
  TempDb file;

  auto printed = run_cli("migrate upgrade --sql", file.str());
  CHECK(printed.status == 0);
  CHECK_THAT(printed.out, Catch::Contains("CREATE TABLE events ("));
  CHECK(run_cli("migrate current", file.str()).out == "base\n");
  CHECK(run_cli("migrate downgrade base", file.str()).status == 0);
  CHECK_FALSE(fs::exists(file.path));
}

TEST_CASE("migrate errors are one line on stderr with exit status 1", "[migrations]") {
  TempDb file;

  auto unknown = run_cli("migrate upgrade 0012", file.str());
  CHECK(unknown.status == 1);
  CHECK(unknown.err == "catalog migrate: unknown revision 0012 (known: 0001..0011)\n");

  auto unopenable = run_cli("migrate upgrade", (file.path / "no" / "such.db").string());
  CHECK(unopenable.status == 1);
  CHECK_THAT(unopenable.err, Catch::StartsWith("catalog migrate: cannot open database"));
  CHECK(std::count(unopenable.err.begin(), unopenable.err.end(), '\n') == 1);

  {
    std::ofstream garbage(file.path);
    garbage << "this is not a database, just text long enough to fill a header page\n";
  }
  auto not_a_db = run_cli("migrate current", file.str());
  CHECK(not_a_db.status == 1);
  CHECK_THAT(not_a_db.err, Catch::StartsWith("catalog migrate: "));

  CHECK_THROWS_AS(run_cli("migrate", file.str()), CLI::ParseError);
  CHECK_THROWS_AS(run_cli("migrate upgrade --bogus", file.str()), CLI::ParseError);
}
