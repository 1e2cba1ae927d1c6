#include "db/thread_connections.hpp"

#include <atomic>
#include <memory>
#include <unordered_map>

namespace catalog::db {

namespace {
std::atomic<uint64_t> next_id{1};
}

ThreadConnections::ThreadConnections(std::string path, bool sql_echo)
    : path_(std::move(path)), sql_echo_(sql_echo), id_(next_id++) {}

Connection& ThreadConnections::get() {
  thread_local std::unordered_map<uint64_t, std::unique_ptr<Connection>> mine;
  auto& slot = mine[id_];
  if (!slot) {
    slot = std::make_unique<Connection>(path_, OpenMode::read_write);
    wait_when_busy(*slot);
    // A reader never writes; this makes a bug that tries fail loudly.
    slot->exec("PRAGMA query_only=1");
    // Reads through memory-mapped pages skip a copy out of the kernel's page cache.
    slot->exec("PRAGMA mmap_size=1073741824");
    slot->set_echo(sql_echo_);
  }
  return *slot;
}

}  // namespace catalog::db
