// WAL checkpoints off the write path. SQLite's automatic checkpoint runs inside the commit
// that pushes the WAL past 1000 pages, on the committing thread: copying pages into the
// database file and syncing it took 14 % of the samples of POST /products/, all of it
// between a command and its answer. The writers of the service turn it off (db::Writer) and
// this thread copies what has been committed, every 100 ms, without waiting for readers or
// writers (a PASSIVE checkpoint), so it never delays either.
//
// Copying alone does not keep the WAL small: SQLite writes it from the beginning again only
// when a writer starts while every frame is copied and no reader is in the WAL, and with
// the catalog and the projector committing in turn that moment never comes. Seeding a
// million products left a 25 GB WAL. So once a WAL has grown past `restart_frames`, this
// thread copies until fewer than 64 frames are left and then asks for a RESTART
// checkpoint: it holds writers back while it copies what came in meanwhile and syncs the
// database file, and while readers leave the WAL (at most 20 ms; then it tries again next
// time); the next commit starts the WAL from the beginning.
//
// That pause is the price of a bounded WAL. Under sustained random updates of a million
// products (80 MB of WAL a second) each RESTART took 110-350 ms, every 0.4 s: almost all
// of it the fsync of the database file, which a PASSIVE checkpoint does only when it has
// copied every frame, so the pages copied since the last RESTART were all synced inside
// the next one. The database is now synced off the write lock just before the RESTART
// (PUT at c=32 over 40 s: p99 125 -> 57 ms; at c=256: 245 -> 163 ms, max 667 -> 395 ms),
// and again until a sync leaves little behind: the RESTART went from 25-55 ms (median
// 51 ms) to 3-10 ms (median 6 ms) at c=32, and the PUT's p99 from 47.5 to 30.7 ms.
// The rounds end when one is no smaller than the one before or the WAL has doubled past
// `restart_frames`: where writers outrun the disk, more rounds only grow the WAL.
//
// Readers that io threads keep open between requests (ThreadConnections::snapshot) are
// asked to go (HeldSnapshots::release) at every round and while a RESTART waits: a kept
// snapshot would otherwise hold back the copying of every frame after it, and the RESTART.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace catalog::db {

class Checkpointer {
 public:
  explicit Checkpointer(std::string path,
                        std::chrono::milliseconds interval = std::chrono::milliseconds(100),
                        int restart_frames = 8192);  // 32 MB of 4 KB pages
  // Runs one last checkpoint and joins the thread.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

 private:
  void run();

  std::string path_;
  std::chrono::milliseconds interval_;
  int restart_frames_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace catalog::db
