#include "db/held_snapshots.hpp"

#include <memory>
#include <unordered_map>

namespace catalog::db {

HeldSnapshots& HeldSnapshots::of(const std::string& path) {
  static std::mutex mutex;
  // Never erased: a process opens a handful of database files, and writers' hooks point here.
  static std::unordered_map<std::string, std::unique_ptr<HeldSnapshots>> all;
  std::lock_guard lock(mutex);
  auto& slot = all[path];
  if (!slot) slot.reset(new HeldSnapshots());
  return *slot;
}

void HeldSnapshots::release() {
  // First out of date, so that a snapshot in use now is not kept after its request.
  generation.fetch_add(1, std::memory_order_acq_rel);
  std::lock_guard lock(mutex_);
  for (auto& [key, release_idle] : holders_)
    release_idle();
}

uint64_t HeldSnapshots::add(std::function<void()> release_idle) {
  std::lock_guard lock(mutex_);
  holders_.emplace(next_key_, std::move(release_idle));
  return next_key_++;
}

void HeldSnapshots::forget(uint64_t key) {
  std::lock_guard lock(mutex_);
  holders_.erase(key);
}

void count_commits(sqlite3* db, const std::string& path) {
  // SQLite calls the WAL hook after the commit, with the write lock released: a read
  // transaction begun after the count has gone up sees the commit.
  sqlite3_wal_hook(
      db,
      [](void* generation, sqlite3*, const char*, int) {
        static_cast<std::atomic<uint64_t>*>(generation)->fetch_add(1, std::memory_order_release);
        return SQLITE_OK;
      },
      &HeldSnapshots::of(path).generation);
}

}  // namespace catalog::db
