// One read connection per thread that asks, opened on first use and kept: io threads read
// the projection tables without locks, a pool or an actor hop, each with its own cache of
// prepared statements. WAL lets these readers run beside the single writer.
//
// A thread may also keep a read transaction open between its requests (snapshot()): while
// no writer has committed, the next request reads in it again instead of beginning its
// own. Beginning and ending one cost a GET /products/{id} at a million products about a
// fifth of its time: SQLite locks and unlocks a WAL read slot (fcntl on the -shm file,
// under process-wide mutexes the io threads contend for) and looks at the database file's
// size (fstat) each time.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "db/held_snapshots.hpp"
#include "db/sqlite.hpp"

namespace catalog::db {

class ThreadConnections {
  struct Slot;

 public:
  ThreadConnections(std::string path, bool sql_echo);
  ~ThreadConnections();
  ThreadConnections(const ThreadConnections&) = delete;
  ThreadConnections& operator=(const ThreadConnections&) = delete;

  // The calling thread's connection to this database, outside any transaction. Not while
  // the thread holds a Snapshot of this object.
  Connection& get();

  // The calling thread's connection inside a read transaction that sees every commit a
  // db::Writer of this database made before this call. The caller reads in it and neither
  // begins nor ends a transaction; the transaction stays open after the Snapshot is gone,
  // for the thread's next one, until a writer commits or the checkpointer asks for it
  // (HeldSnapshots::release), and it is rolled back if the Snapshot goes with an exception.
  class Snapshot {
   public:
    Connection& db() { return *slot_->conn; }
    ~Snapshot();
    Snapshot(Snapshot&& other) noexcept;
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;
    Snapshot& operator=(Snapshot&&) = delete;

   private:
    friend class ThreadConnections;
    Snapshot(Slot& slot, std::unique_lock<std::mutex> in_use);
    Slot* slot_;  // null once moved from
    std::unique_lock<std::mutex> in_use_;
    int exceptions_;
  };
  Snapshot snapshot();

 private:
  // One thread's connection. `in_use` is held while a request reads in its kept transaction,
  // so that another thread (the checkpointer, through HeldSnapshots) ends it only between
  // requests.
  struct Slot {
    std::unique_ptr<Connection> conn;
    std::mutex in_use;
    bool held = false;          // a read transaction is open; under in_use
    uint64_t generation = 0;    // HeldSnapshots::generation when it began; under in_use
    bool snapshot_out = false;  // a Snapshot of this slot is alive; the owning thread's only
  };
  Slot& mine();
  static void end(Slot& slot);
  void release_idle();

  std::string path_;
  bool sql_echo_;
  uint64_t id_;  // tells this object's connections apart from an earlier one's at the same address
  HeldSnapshots& held_;
  uint64_t holder_key_ = 0;
  std::mutex slots_mutex_;
  std::vector<std::unique_ptr<Slot>> slots_;  // one per thread that asked; each used by its thread
};

}  // namespace catalog::db
