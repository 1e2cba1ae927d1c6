// io threads keep a read transaction between requests (ThreadConnections::snapshot). It
// must show every commit of a writer made before the request, and never keep the WAL from
// being copied into the database and started again.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include "db/checkpointer.hpp"
#include "db/held_snapshots.hpp"
#include "db/sqlite.hpp"
#include "db/thread_connections.hpp"
#include "db/writer.hpp"
#include "support/temp_dir.hpp"
#include "support/wal_load.hpp"

namespace {

using namespace std::chrono_literals;
using catalog::db::Connection;
using catalog::db::OpenMode;
using catalog::db::ThreadConnections;
using catalog::testing::write_rows;

struct Database {
  catalog::testing::TempDir dir;
  std::string path = dir.file("catalog.db");
  Database() {
    Connection create(path, OpenMode::read_write_create);
    create.exec("PRAGMA journal_mode=WAL");
    create.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)");
  }
  // A connection that is not a db::Writer: its commits are not counted.
  void insert_uncounted() {
    Connection other(path, OpenMode::read_write);
    other.exec("INSERT INTO t (payload) VALUES (x'00')");
  }
};

int64_t last_id(ThreadConnections::Snapshot& s) {
  catalog::db::Reset q(s.db().cached("SELECT coalesce(max(id), 0) FROM t"));
  REQUIRE(q->step());
  return q->int64(0);
}

int64_t last_id(ThreadConnections& reads) {
  auto s = reads.snapshot();
  return last_id(s);
}

// A restart shows in the WAL's header only at the first commit after it, and how many come
// during a burst of writes depends on how fast the disk syncs (one on a loaded CI machine,
// where a sync took most of the burst). So after the burst, one small commit every 20 ms
// until `restarts` have shown, for at most 10 s: a snapshot that held the WAL would keep
// the count at 0 however long this waits.
void commit_until_restarted(Connection& writer, const std::string& path, uint32_t restarts) {
  auto until = std::chrono::steady_clock::now() + 10s;
  while (catalog::testing::wal_restarts(path + "-wal") < restarts &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(20ms);
    writer.exec("INSERT INTO t (payload) VALUES (x'00')");
  }
}

}  // namespace

TEST_CASE("a kept snapshot shows every commit a writer made before it was asked for",
          "[kept-snapshot]") {
  Database db;
  ThreadConnections reads(db.path, false);
  catalog::db::Writer writer(db.path, false, false);
  CHECK(last_id(reads) == 0);
  writer.get().exec("INSERT INTO t (payload) VALUES (x'00')");
  CHECK(last_id(reads) == 1);
  writer.get().exec("INSERT INTO t (payload) VALUES (x'00')");
  CHECK(last_id(reads) == 2);
}

TEST_CASE("between writes a thread reads again in the snapshot it kept", "[kept-snapshot]") {
  Database db;
  ThreadConnections reads(db.path, false);
  CHECK(last_id(reads) == 0);
  // Only the service's writers announce their commits; this one is seen once the kept
  // snapshot is let go.
  db.insert_uncounted();
  CHECK(last_id(reads) == 0);

  SECTION("until the checkpointer asks for it") {
    catalog::db::HeldSnapshots::of(db.path).release();
    CHECK(last_id(reads) == 1);
  }
  SECTION("until the thread takes its connection outside it") {
    reads.get();
    CHECK(last_id(reads) == 1);
  }
  SECTION("until a read in it fails") {
    CHECK_THROWS([&] {
      auto s = reads.snapshot();
      s.db().exec("SELECT * FROM no_such_table");
    }());
    CHECK(last_id(reads) == 1);
  }
  SECTION("and another thread's connection has a snapshot of its own") {
    int64_t seen = -1;
    std::thread other([&] { seen = last_id(reads); });
    other.join();
    CHECK(seen == 1);
  }
}

TEST_CASE("a thread reading in a snapshot cannot take its connection or a second snapshot",
          "[kept-snapshot]") {
  Database db;
  ThreadConnections reads(db.path, false);
  auto s = reads.snapshot();
  CHECK_THROWS_AS(reads.get(), std::logic_error);
  CHECK_THROWS_AS(reads.snapshot(), std::logic_error);
}

TEST_CASE("a snapshot an idle thread kept does not keep the WAL from starting again",
          "[kept-snapshot][checkpoint]") {
  Database db;
  ThreadConnections reads(db.path, false);
  std::promise<void> taken, done;
  std::thread idle([&] {
    last_id(reads);
    taken.set_value();
    done.get_future().wait();
  });
  taken.get_future().wait();
  {
    catalog::db::Checkpointer checkpointer(db.path, 10ms, 256);  // restarted past 1 MB
    catalog::db::Writer writer(db.path, false, false);
    write_rows(writer.get(), 400);  // 40 MB
    commit_until_restarted(writer.get(), db.path, 2);
  }
  done.set_value();
  idle.join();
  // Kept, the snapshot would hold every frame after it in the WAL: no restart at all.
  CHECK(catalog::testing::wal_restarts(db.path + "-wal") >= 2);
}

TEST_CASE("a thread reading without a pause does not hold a RESTART back",
          "[kept-snapshot][checkpoint]") {
  Database db;
  ThreadConnections reads(db.path, false);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> answers{0};
  std::thread reader([&] {
    while (!stop) {
      last_id(reads);
      ++answers;
    }
  });
  {
    catalog::db::Checkpointer checkpointer(db.path, 10ms, 256);
    catalog::db::Writer writer(db.path, false, false);
    write_rows(writer.get(), 400);
    commit_until_restarted(writer.get(), db.path, 2);
  }
  stop = true;
  reader.join();
  CHECK(answers > 0);
  // While a RESTART waits no writer commits, so nothing else would make the reader let go of
  // the snapshot it holds in the WAL.
  CHECK(catalog::testing::wal_restarts(db.path + "-wal") >= 2);
}
