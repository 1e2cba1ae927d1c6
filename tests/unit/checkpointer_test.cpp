// The writers leave WAL checkpoints to db::Checkpointer: what they commit must still reach
// the database file, without a writer doing it.
#include "db/checkpointer.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "db/sqlite.hpp"
#include "db/writer.hpp"
#include "support/temp_dir.hpp"
#include "support/wal_load.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using catalog::testing::wal_restarts;
using catalog::testing::write_rows;

// Waits up to 5 s for the database file to reach `bytes`.
bool file_reaches(const fs::path& file, uintmax_t bytes) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (fs::file_size(file) < bytes && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  return fs::file_size(file) >= bytes;
}

}  // namespace

TEST_CASE("a writer alone leaves its commits in the WAL, however large it grows", "[checkpoint]") {
  catalog::testing::TempDir dir;
  std::string path = dir.file("catalog.db");
  catalog::db::Connection(path, catalog::db::OpenMode::read_write_create);
  catalog::db::Writer writer(path, false, false);
  writer.get().exec("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)");
  write_rows(writer.get(), 40);  // about 4 MB: four times SQLite's automatic threshold
  std::this_thread::sleep_for(300ms);
  CHECK(fs::file_size(path) < 1024 * 1024);
  CHECK(fs::file_size(path + "-wal") > 3 * 1024 * 1024);
}

TEST_CASE("the checkpointer copies what writers commit into the database file", "[checkpoint]") {
  catalog::testing::TempDir dir;
  std::string path = dir.file("catalog.db");
  catalog::db::Connection(path, catalog::db::OpenMode::read_write_create);
  catalog::db::Writer writer(path, false, false);
  writer.get().exec("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)");
  catalog::db::Checkpointer checkpointer(path, 20ms);
  write_rows(writer.get(), 40);
  CHECK(file_reaches(path, 3 * 1024 * 1024));
  // And nothing was lost on the way.
  catalog::db::Connection reader(path, catalog::db::OpenMode::read_only);
  auto& count = reader.cached("SELECT count(*) FROM t");
  REQUIRE(count.step());
  CHECK(count.int64(0) == 40 * 50);
}

TEST_CASE("the WAL starts again from the beginning while two writers commit without a pause",
          "[checkpoint]") {
  catalog::testing::TempDir dir;
  std::string path = dir.file("catalog.db");
  {
    catalog::db::Connection create(path, catalog::db::OpenMode::read_write_create);
    create.exec("PRAGMA journal_mode=WAL");
    create.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)");
  }
  // Restarted past 256 frames (1 MB). The two writers commit 200 MB between them, as the
  // service's do: the log's durably (an fsync each commit), the projector's not.
  catalog::db::Checkpointer checkpointer(path, 10ms, 256);
  constexpr int transactions = 1000;
  auto writer = [&path](bool durable) {
    catalog::db::Writer w(path, durable, false);
    write_rows(w.get(), transactions);
  };
  std::thread a(writer, true), b(writer, false);
  a.join();
  b.join();
  // Never restarted, the WAL would hold every frame written (its file never shrinks by
  // itself); restarted, it is reused from the start. How far it grows before a restart is
  // one sync of the database file times the writers' pace, which the disk decides: 12-43 MB
  // here in 9-22 restarts, up to 58 MB in 12-21 with another process writing and syncing
  // 200 MB files meanwhile; so the restarts are what is checked. (Syncing in up to six
  // rounds before each RESTART, however far the writers outran the disk, let two writers
  // without fsyncs reach 21-82 MB of 80 in one to three restarts, and 52 MB on CI.)
  uintmax_t written = 2 * transactions * 50 * 2000;
  CHECK(wal_restarts(path + "-wal") >= 4);
  CHECK(fs::file_size(path + "-wal") < written);
  catalog::db::Connection reader(path, catalog::db::OpenMode::read_only);
  auto& count = reader.cached("SELECT count(*) FROM t");
  REQUIRE(count.step());
  CHECK(count.int64(0) == 2 * transactions * 50);
}
