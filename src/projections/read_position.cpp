#include "projections/read_position.hpp"

#include <vector>

namespace catalog::projections {

ReadPosition::~ReadPosition() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (timer_.joinable()) timer_.join();
}

void ReadPosition::advance(int64_t position) {
  std::vector<std::function<void(bool)>> reached;
  {
    std::lock_guard lock(mutex_);
    if (position <= applied_.load(std::memory_order_relaxed)) return;
    applied_.store(position, std::memory_order_release);
    auto end = by_position_.upper_bound(position);
    for (auto it = by_position_.begin(); it != end; ++it) {
      auto w = waiters_.find(it->second);
      reached.push_back(std::move(w->second.done));
      waiters_.erase(w);
    }
    by_position_.erase(by_position_.begin(), end);
  }
  // Their deadlines stay behind; the timer skips ids that are gone.
  for (auto& done : reached)
    done(true);
}

void ReadPosition::wait(int64_t position, std::chrono::milliseconds timeout,
                        std::function<void(bool)> done) {
  {
    std::lock_guard lock(mutex_);
    // Read under the lock: an advance() either happened before (and is seen here) or
    // happens after the waiter is in place (and finds it).
    if (applied_.load(std::memory_order_relaxed) < position) {
      uint64_t id = next_id_++;
      waiters_.emplace(id, Waiter{position, std::move(done)});
      by_position_.emplace(position, id);
      by_deadline_.emplace(Clock::now() + timeout, id);
      if (!timer_.joinable()) timer_ = std::thread([this] { run_timer(); });
      wake_.notify_all();
      return;
    }
  }
  done(true);
}

void ReadPosition::run_timer() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (by_deadline_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto first = by_deadline_.begin();
    if (Clock::now() < first->first) {
      wake_.wait_until(lock, first->first);
      continue;
    }
    uint64_t id = first->second;
    by_deadline_.erase(first);
    auto w = waiters_.find(id);
    if (w == waiters_.end()) continue;  // reached already
    auto done = std::move(w->second.done);
    auto range = by_position_.equal_range(w->second.position);
    for (auto it = range.first; it != range.second; ++it) {
      if (it->second == id) {
        by_position_.erase(it);
        break;
      }
    }
    waiters_.erase(w);
    lock.unlock();
    done(false);
    lock.lock();
  }
}

}  // namespace catalog::projections
