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
    // No memory map: each read connection mapped the file for itself, so every page it
    // touched counted once per io thread in the process's RSS (1.69 GB at a million
    // products, 1.38 GB of it the file). A page cache of its own per connection instead:
    // RSS about 360 MB at a million products and the same speed at 10,000; at a million,
    // the filtered search (scenario 3), which reads the most pages, loses a fifth to a
    // third (wrk -c32: 66-80 req/s instead of 105). 8 MB rather than 16, 32 or 64: no
    // difference in speed measured, at 10,000 or at a million products (whose filtered
    // lists read only their page's rows since the filter index), and 16 MB less RSS.
    slot->exec("PRAGMA mmap_size=0");
    slot->exec("PRAGMA cache_size=-8192");  // KiB: 8 MB
    slot->set_echo(sql_echo_);
  }
  return *slot;
}

}  // namespace catalog::db
