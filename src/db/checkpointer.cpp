#include "db/checkpointer.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <memory>

#include "db/sqlite.hpp"

namespace catalog::db {

Checkpointer::Checkpointer(std::string path, std::chrono::milliseconds interval)
    : path_(std::move(path)), interval_(interval), thread_([this] { run(); }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Checkpointer::run() {
  std::unique_ptr<Connection> db;
  bool failing = false;
  for (bool last = false; !last;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, interval_, [this] { return stopping_; });
      last = stopping_;
    }
    try {
      if (!db) {
        db = std::make_unique<Connection>(path_, OpenMode::read_write);
        // Until a connection has read the database it does not know the file is in WAL
        // mode, and a checkpoint does nothing.
        db->exec("PRAGMA journal_mode=WAL");
      }
      int rc = sqlite3_wal_checkpoint_v2(db->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                         nullptr);
      // BUSY: another checkpoint is running (a tool's, or SQLite's at a last close).
      if (rc != SQLITE_OK && rc != SQLITE_BUSY) throw Error(rc, sqlite3_errmsg(db->handle()));
      if (failing) spdlog::info("WAL checkpoints: working again");
      failing = false;
    } catch (const std::exception& ex) {
      // Writes go on regardless (the WAL grows meanwhile); the catalog reports their faults.
      if (!failing) spdlog::warn("WAL checkpoint failed, retrying quietly: {}", ex.what());
      failing = true;
      db.reset();
    }
  }
}

}  // namespace catalog::db
