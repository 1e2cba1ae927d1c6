// The position of the log the node's read model has applied, and the requests that wait
// for a position: a read sent with Catalog-Min-Position, a mutation's answer forwarded from
// the writer. The projector advances it after each commit; a waiter is called once, when
// the position is reached or when its time is up.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace catalog::projections {

class ReadPosition {
 public:
  ReadPosition() = default;
  ~ReadPosition();
  ReadPosition(const ReadPosition&) = delete;
  ReadPosition& operator=(const ReadPosition&) = delete;

  int64_t get() const { return applied_.load(std::memory_order_acquire); }
  // Called by the projector once the read model shows everything up to `position`.
  void advance(int64_t position);
  // Calls `done(true)` once the read model has reached `position` (at once if it has), or
  // `done(false)` after `timeout`. `done` runs on the projector's thread or this object's
  // timer thread: it must only hand the work over.
  void wait(int64_t position, std::chrono::milliseconds timeout, std::function<void(bool)> done);

 private:
  struct Waiter {
    int64_t position;
    std::function<void(bool)> done;
  };
  using Clock = std::chrono::steady_clock;
  void run_timer();

  std::atomic<int64_t> applied_{0};
  std::mutex mutex_;
  std::multimap<int64_t, uint64_t> by_position_;            // position -> waiter id
  std::multimap<Clock::time_point, uint64_t> by_deadline_;  // deadline -> waiter id
  std::map<uint64_t, Waiter> waiters_;
  uint64_t next_id_ = 0;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread timer_;
};

}  // namespace catalog::projections
