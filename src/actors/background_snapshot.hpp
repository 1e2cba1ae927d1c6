// The write model snapshot written while the catalog goes on: a copy of the model is taken
// between two batches (its packed records are a memory copy, tens of milliseconds at a
// million products) and encoded, hashed and synced to disk on a thread of its own. So a
// service that is never stopped cleanly still starts from a recent snapshot and folds only
// the events after it, not everything since its last clean stop.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "events/event_store.hpp"
#include "events/write_model.hpp"

namespace catalog::actors {

class BackgroundSnapshot {
 public:
  BackgroundSnapshot() = default;
  BackgroundSnapshot(const BackgroundSnapshot&) = delete;
  BackgroundSnapshot& operator=(const BackgroundSnapshot&) = delete;
  ~BackgroundSnapshot() { wait(); }

  // Whether a snapshot is being written.
  bool running() const { return thread_.joinable() && !done_.load(std::memory_order_acquire); }
  // Writes `model`, the state after the event `head`, to `path` on its own thread; at most
  // one at a time (ignored while one runs).
  // `copied_in`: how long the catalog took to copy the model, for the log.
  void start(const std::string& path, events::WriteModel model, const events::Head& head,
             events::Millis last_recorded_at, std::chrono::steady_clock::duration copied_in);
  // Once the last one is written (or after wait()): the position it was taken at, once;
  // nullopt while it is being written, if it failed (logged), or if none was since.
  std::optional<int64_t> collect();
  // Waits for the one being written, if any.
  void wait();

 private:
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::optional<int64_t> saved_;  // set by the thread before done_
};

}  // namespace catalog::actors
