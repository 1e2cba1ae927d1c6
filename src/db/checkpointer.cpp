#include "db/checkpointer.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <unistd.h>

#include <memory>

#include "db/held_snapshots.hpp"
#include "db/sqlite.hpp"

namespace catalog::db {

namespace {

// The writers retry a busy lock every 50 us, and SQLite's own handler would retry after
// 1, 2, 5 ... ms: the lock would always go to a writer first. Retrying as often as they do,
// a RESTART gets its turn; after 20 ms it gives up until the next round, so a reader on an
// old snapshot (a long search, an audit) never holds writers back for longer than that.
// (With 2 ms, two writers committing without a pause won the lock so often that the WAL
// grew past 58 MB in the unit test, against 23 MB.)
int retry_for_20ms(void* held, int attempts) {
  if (attempts >= 1000) return 0;
  // A RESTART waits here for the readers to leave the WAL: those that io threads keep
  // between requests leave now, or after the request reading in one.
  static_cast<HeldSnapshots*>(held)->release();
  usleep(20);
  return 1;
}

// Frames a RESTART may have to copy itself, with writers waiting: about 256 KB.
constexpr int restart_backlog = 64;

// fsync of the database file through SQLite's own handle: a descriptor of our own, once
// closed, would drop the process's POSIX locks on the file.
void sync_database(sqlite3* db) {
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK && file &&
      file->pMethods)
    file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
}

}  // namespace

Checkpointer::Checkpointer(std::string path, std::chrono::milliseconds interval, int restart_frames)
    : path_(std::move(path)),
      interval_(interval),
      restart_frames_(restart_frames),
      thread_([this] { run(); }) {}

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
        sqlite3_busy_handler(db->handle(), retry_for_20ms, &HeldSnapshots::of(path_));
      }
      // A snapshot an idle io thread kept would hold every frame after it in the WAL.
      HeldSnapshots::of(path_).release();
      int frames = 0, copied = 0;
      auto passive = [&] {
        return sqlite3_wal_checkpoint_v2(db->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, &frames,
                                         &copied);
      };
      int rc = passive();
      // A RESTART copies whatever is left while writers wait, so first copy until little is
      // left (the writers go on meanwhile). A reader on an old snapshot keeps frames from
      // being copied: then there is no restart this round.
      for (int pass = 0; rc == SQLITE_OK && frames >= restart_frames_ &&
                         frames - copied > restart_backlog && pass < 10;
           ++pass)
        rc = passive();
      if (rc == SQLITE_OK && frames >= restart_frames_ && frames - copied <= restart_backlog) {
        // A PASSIVE checkpoint syncs the database file only when it has copied every frame,
        // which under steady writes it never has: every page copied since the last RESTART
        // was synced inside the next one, with the writers held (110-350 ms a RESTART under
        // random updates of a million products). Synced here, off the write lock, the
        // RESTART syncs only the few frames it copies itself. What came in during a sync is
        // copied and synced again, until little was: one sync left the pages copied during
        // it (~100 ms of writes, a thousand frames) to the RESTART, 25-55 ms a pause; each
        // round is a fraction of the one before, and after them the RESTART takes 3-10 ms.
        //
        // When writers outrun the disk a round is no smaller than the one before and the
        // WAL only grows while we sync: then, and once the WAL is twice its threshold, the
        // bound on the WAL wins over a shorter pause and the RESTART comes now. (Six rounds
        // regardless let two writers without fsyncs grow it to 21-82 MB in the unit test,
        // 52 MB on CI; with this rule 14-19 MB, as with a single sync.)
        for (int round = 0, before = frames; rc == SQLITE_OK && round < 6; ++round) {
          sync_database(db->handle());
          int synced = copied;
          rc = passive();
          int fresh = copied - synced;
          if (fresh <= restart_backlog || fresh >= before || frames >= 2 * restart_frames_) break;
          before = fresh;
        }
      }
      if (rc == SQLITE_OK && frames >= restart_frames_ && frames - copied <= restart_backlog) {
        rc = sqlite3_wal_checkpoint_v2(db->handle(), "main", SQLITE_CHECKPOINT_RESTART, nullptr,
                                       nullptr);
      }
      // BUSY: another checkpoint is running (a tool's, or SQLite's at a last close), or a
      // reader stayed in the WAL past the RESTART's wait.
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
