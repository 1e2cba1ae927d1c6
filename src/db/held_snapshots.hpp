// Where the read snapshots that io threads keep between requests (ThreadConnections::
// snapshot) meet what makes them go: per database file, a generation that every commit of
// a db::Writer counts up (a snapshot taken before it is out of date), and a way for the
// checkpointer to have every kept snapshot let go (a reader left in the WAL holds back
// both its copying and the RESTART that starts it again from the beginning).
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace catalog::db {

class HeldSnapshots {
 public:
  // The one for this database file (by the path as given), created on first use and kept
  // for the process's life.
  static HeldSnapshots& of(const std::string& path);

  // Counted up by each commit of a writer, once it is visible to a new read transaction.
  std::atomic<uint64_t> generation{0};

  // Asks every snapshot kept on this database to go: out of date for its next use, and
  // ended now where no request is reading in it.
  void release();

  // `release_idle` ends a ThreadConnections' snapshots that no request is reading in;
  // release() calls it until forget(the returned key).
  uint64_t add(std::function<void()> release_idle);
  void forget(uint64_t key);

 private:
  HeldSnapshots() = default;
  std::mutex mutex_;
  uint64_t next_key_ = 1;
  std::map<uint64_t, std::function<void()>> holders_;
};

// Makes the writer `db`'s commits count up HeldSnapshots::of(path).generation. It takes
// the connection's WAL hook, and so turns off its automatic checkpoints (db::Writer has
// none anyway).
void count_commits(sqlite3* db, const std::string& path);

}  // namespace catalog::db
