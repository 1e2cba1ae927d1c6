#include "db/thread_connections.hpp"

#include <atomic>
#include <exception>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace catalog::db {

namespace {
std::atomic<uint64_t> next_id{1};
}

ThreadConnections::ThreadConnections(std::string path, bool sql_echo)
    : path_(std::move(path)), sql_echo_(sql_echo), id_(next_id++), held_(HeldSnapshots::of(path_)) {
  holder_key_ = held_.add([this] { release_idle(); });
}

ThreadConnections::~ThreadConnections() {
  // After this no release() reaches the slots; their connections close with them.
  held_.forget(holder_key_);
}

ThreadConnections::Slot& ThreadConnections::mine() {
  thread_local std::unordered_map<uint64_t, Slot*> slots;
  Slot*& slot = slots[id_];
  if (slot) return *slot;
  auto fresh = std::make_unique<Slot>();
  fresh->conn = std::make_unique<Connection>(path_, OpenMode::read_write);
  auto& c = *fresh->conn;
  wait_when_busy(c);
  // A reader never writes; this makes a bug that tries fail loudly.
  c.exec("PRAGMA query_only=1");
  // No memory map: each read connection mapped the file for itself, so every page it
  // touched counted once per io thread in the process's RSS (1.69 GB at a million
  // products, 1.38 GB of it the file). A page cache of its own per connection instead:
  // RSS about 360 MB at a million products and the same speed at 10,000; at a million,
  // the filtered search (scenario 3), which reads the most pages, loses a fifth to a
  // third (wrk -c32: 66-80 req/s instead of 105). 8 MB rather than 16, 32 or 64: no
  // difference in speed measured, at 10,000 or at a million products (whose filtered
  // lists read only their page's rows since the filter index), and 16 MB less RSS.
  c.exec("PRAGMA mmap_size=0");
  c.exec("PRAGMA cache_size=-8192");  // KiB: 8 MB
  c.set_echo(sql_echo_);
  std::lock_guard lock(slots_mutex_);
  slots_.push_back(std::move(fresh));
  slot = slots_.back().get();
  return *slot;
}

void ThreadConnections::end(Slot& slot) {
  // A read transaction: rolling back ends it as a commit would, and cannot fail for a lock.
  sqlite3_exec(slot.conn->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  slot.held = false;
}

void ThreadConnections::release_idle() {
  std::lock_guard lock(slots_mutex_);
  for (auto& slot : slots_) {
    // A slot in use is out of date already (release() counted the generation up first) and
    // ends at its thread's next request.
    std::unique_lock in_use(slot->in_use, std::try_to_lock);
    if (in_use && slot->held) end(*slot);
  }
}

Connection& ThreadConnections::get() {
  Slot& slot = mine();
  if (slot.snapshot_out)
    throw std::logic_error("ThreadConnections::get() while this thread reads in a snapshot");
  std::lock_guard in_use(slot.in_use);
  if (slot.held) end(slot);
  return *slot.conn;
}

ThreadConnections::Snapshot ThreadConnections::snapshot() {
  Slot& slot = mine();
  if (slot.snapshot_out)
    throw std::logic_error("ThreadConnections::snapshot() while this thread reads in one");
  std::unique_lock in_use(slot.in_use);
  // Read before the transaction begins, so a count it has not seen is a commit it may miss.
  uint64_t now = held_.generation.load(std::memory_order_acquire);
  if (slot.held && slot.generation != now) end(slot);
  if (!slot.held) {
    // DEFERRED: the snapshot is fixed by the caller's first read, after `now` was taken.
    slot.conn->cached("BEGIN").run();
    slot.held = true;
    slot.generation = now;
  }
  return Snapshot(slot, std::move(in_use));
}

ThreadConnections::Snapshot::Snapshot(Slot& slot, std::unique_lock<std::mutex> in_use)
    : slot_(&slot), in_use_(std::move(in_use)), exceptions_(std::uncaught_exceptions()) {
  slot_->snapshot_out = true;
}

ThreadConnections::Snapshot::Snapshot(Snapshot&& other) noexcept
    : slot_(std::exchange(other.slot_, nullptr)),
      in_use_(std::move(other.in_use_)),
      exceptions_(other.exceptions_) {}

ThreadConnections::Snapshot::~Snapshot() {
  if (!slot_) return;
  // A read that failed may have left the transaction in any state: the next one begins anew.
  if (std::uncaught_exceptions() > exceptions_ && slot_->held) end(*slot_);
  slot_->snapshot_out = false;
}

}  // namespace catalog::db
