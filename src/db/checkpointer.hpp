// WAL checkpoints off the write path. SQLite's automatic checkpoint runs inside the commit
// that pushes the WAL past 1000 pages, on the committing thread: copying pages into the
// database file and syncing it took 14 % of the samples of POST /products/, all of it
// between a command and its answer. The writers of the service turn it off (db::Writer) and
// this thread copies what has been committed, every 100 ms, without waiting for readers or
// writers (a PASSIVE checkpoint), so it never delays either.
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
                        std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  // Runs one last checkpoint and joins the thread.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

 private:
  void run();

  std::string path_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace catalog::db
