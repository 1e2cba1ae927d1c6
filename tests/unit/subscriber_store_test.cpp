// The subscriber tables of revision 0010 in a node's SQLite file (the PostgreSQL twin is
// checked in tests/integration/subscriber_store_pg_test.cpp against the same contract).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "db/migrations.hpp"
#include "db/sqlite.hpp"
#include "support/subscriber_store_contract.hpp"

using namespace catalog;

TEST_CASE("the SQLite subscriber store keeps subscribers, follows, alerts and positions") {
  auto path = std::filesystem::temp_directory_path() /
              ("catalog-subscribers-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  {
    db::Connection setup(path.string(), db::OpenMode::read_write_create);
    db::configure(setup, false);
    db::migrate_to_head(setup);
  }
  std::unique_ptr<db::Connection> conn;
  testing::check_subscriber_store([&] {
    conn.reset();  // the previous store is dropped next; it only refers to this connection
    conn = std::make_unique<db::Connection>(path.string(), db::OpenMode::read_write);
    db::configure(*conn, false);
    return subscribers::sqlite_subscriber_store(*conn);
  });
  conn.reset();
  for (auto suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(path.string() + suffix);
}
