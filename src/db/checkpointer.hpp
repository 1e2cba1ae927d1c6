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
// products (80 MB of WAL a second) each RESTART took 110-130 ms, every 0.4 s, and PUT's
// p99 went from 13 ms to 130 ms; at 10,000 products it does not show in the benchmark.
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
