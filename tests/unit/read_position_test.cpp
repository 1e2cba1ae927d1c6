// The read model's position and the requests that wait for it (a read sent with
// Catalog-Min-Position, a forwarded mutation's answer): each waiter is called exactly once,
// with true when the position is reached, with false when its time is up.
#include "projections/read_position.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace {

using catalog::projections::ReadPosition;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A bound on waiting for something that should happen at once or soon, so that a broken
// ReadPosition fails the test instead of hanging it.
constexpr auto kPatience = 10s;

// What one waiter was called with: how many times, and the last answer.
struct Calls {
  std::atomic<int> count{0};
  std::atomic<bool> reached{false};
  std::atomic<int64_t> position_seen{-1};  // the read position when it was called

  std::function<void(bool)> recorder(const ReadPosition& rp) {
    return [this, &rp](bool ok) {
      position_seen = rp.get();
      reached = ok;
      ++count;
    };
  }
};

// Polls until `done()` holds or kPatience has passed; returns whether it held.
template <class Predicate>
bool eventually(Predicate done) {
  auto deadline = Clock::now() + kPatience;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

}  // namespace

TEST_CASE("the read position starts at 0, moves forward and never back", "[read_position]") {
  ReadPosition rp;
  CHECK(rp.get() == 0);
  rp.advance(3);
  CHECK(rp.get() == 3);
  rp.advance(7);
  CHECK(rp.get() == 7);
  rp.advance(5);
  CHECK(rp.get() == 7);
  rp.advance(7);
  CHECK(rp.get() == 7);
}

TEST_CASE("waiting for a position already reached is answered true at once, on the caller's thread",
          "[read_position]") {
  ReadPosition rp;
  rp.advance(10);
  for (int64_t position : {0, 1, 9, 10}) {
    INFO("position " << position);
    bool called = false;
    bool answer = false;
    std::thread::id caller;
    rp.wait(position, 1h, [&](bool ok) {
      called = true;
      answer = ok;
      caller = std::this_thread::get_id();
    });
    // Called before wait() returned: no timer, no other thread.
    CHECK(called);
    CHECK(answer);
    CHECK(caller == std::this_thread::get_id());
  }
}

TEST_CASE("a waiter is answered true once another thread advances to its position",
          "[read_position]") {
  ReadPosition rp;
  rp.advance(1);
  std::promise<bool> answered;
  auto answer = answered.get_future();
  std::atomic<int> calls{0};
  rp.wait(5, 1h, [&](bool ok) {
    if (++calls == 1) answered.set_value(ok);
  });
  CHECK(calls.load() == 0);

  std::thread projector([&] {
    rp.advance(3);  // not far enough: the waiter keeps waiting
    rp.advance(5);
  });
  projector.join();
  REQUIRE(answer.wait_for(kPatience) == std::future_status::ready);
  CHECK(answer.get() == true);
  CHECK(calls.load() == 1);
}

TEST_CASE("advancing answers the waiters it reaches and leaves the others waiting",
          "[read_position]") {
  ReadPosition rp;
  Calls at2, at4, another_at4, at9;
  rp.wait(2, 1h, at2.recorder(rp));
  rp.wait(4, 1h, at4.recorder(rp));
  rp.wait(4, 1h, another_at4.recorder(rp));
  rp.wait(9, 1h, at9.recorder(rp));

  rp.advance(4);
  // advance() answers the waiters it reached before it returns.
  CHECK(at2.count.load() == 1);
  CHECK(at2.reached.load());
  CHECK(at4.count.load() == 1);
  CHECK(at4.reached.load());
  CHECK(another_at4.count.load() == 1);
  CHECK(another_at4.reached.load());
  CHECK(at9.count.load() == 0);

  rp.advance(9);
  CHECK(at9.count.load() == 1);
  CHECK(at9.reached.load());
  CHECK(at9.position_seen.load() >= 9);
  // Nobody is answered twice.
  CHECK(at2.count.load() == 1);
  CHECK(at4.count.load() == 1);
  CHECK(another_at4.count.load() == 1);
}

TEST_CASE("a waiter whose position is not reached in time is answered false after its timeout",
          "[read_position]") {
  ReadPosition rp;
  rp.advance(2);
  std::promise<bool> answered;
  auto answer = answered.get_future();
  std::atomic<int> calls{0};
  auto start = Clock::now();
  rp.wait(3, 200ms, [&](bool ok) {
    if (++calls == 1) answered.set_value(ok);
  });
  REQUIRE(answer.wait_for(kPatience) == std::future_status::ready);
  auto waited = Clock::now() - start;
  CHECK(answer.get() == false);
  // Not before its time, and not long after it (a generous bound for a busy machine).
  CHECK(waited >= 200ms);
  CHECK(waited < 5s);

  // Reaching the position later does not answer it again.
  rp.advance(3);
  CHECK(calls.load() == 1);
}

TEST_CASE("waiters time out in deadline order, each after its own timeout", "[read_position]") {
  ReadPosition rp;
  std::mutex mu;
  std::vector<int> order;
  std::atomic<int> calls{0};
  auto record = [&](int which) {
    return [&, which](bool ok) {
      std::lock_guard lock(mu);
      order.push_back(ok ? which : -which);
      ++calls;
    };
  };
  // Added out of deadline order; the latest one is added first.
  rp.wait(100, 600ms, record(3));
  rp.wait(100, 50ms, record(1));
  rp.wait(100, 300ms, record(2));
  REQUIRE(eventually([&] { return calls == 3; }));
  std::lock_guard lock(mu);
  CHECK(order == std::vector<int>{-1, -2, -3});
}

TEST_CASE("each waiter is answered exactly once when advancing and timeouts race",
          "[read_position]") {
  constexpr int kWaiters = 3000;
  ReadPosition rp;
  std::vector<Calls> calls(kWaiters);
  std::atomic<bool> go{false};
  // The waiter at position i + 1 times out after 0 to 4 ms, while another thread advances
  // one position at a time: some are reached first, some time out first, many at once.
  std::thread projector([&] {
    while (!go)
      std::this_thread::yield();
    for (int64_t p = 1; p <= kWaiters; ++p)
      rp.advance(p);
  });
  for (int i = 0; i < kWaiters; ++i) {
    rp.wait(i + 1, std::chrono::milliseconds(i % 5), calls[i].recorder(rp));
    if (i == kWaiters / 10) go = true;
  }
  projector.join();

  auto answered = [&] {
    for (const auto& c : calls) {
      if (c.count == 0) return false;
    }
    return true;
  };
  REQUIRE(eventually(answered));
  // Long past every deadline: a late second answer would have come by now.
  std::this_thread::sleep_for(50ms);
  int not_once = 0;
  int reached_early = 0;
  for (int i = 0; i < kWaiters; ++i) {
    if (calls[i].count != 1) ++not_once;
    if (calls[i].reached && calls[i].position_seen < i + 1) ++reached_early;
  }
  CHECK(not_once == 0);
  // A true answer means the position had been reached when it was given.
  CHECK(reached_early == 0);
  CHECK(rp.get() == kWaiters);
}

TEST_CASE("destroying the read position with waiters pending neither crashes nor hangs",
          "[read_position]") {
  Calls far_off;
  {
    auto rp = std::make_unique<ReadPosition>();
    rp->wait(50, 1h, far_off.recorder(*rp));
    rp->wait(50, 1h, far_off.recorder(*rp));
    rp->advance(1);
    auto start = Clock::now();
    rp.reset();
    // Its timer thread does not sit out the hour.
    CHECK(Clock::now() - start < 5s);
  }
  CHECK(far_off.count.load() == 0);

  // Also while the timer thread is busy answering timeouts.
  int answered_twice = 0;
  for (int round = 0; round < 20; ++round) {
    auto rp = std::make_unique<ReadPosition>();
    std::vector<Calls> calls(200);
    for (int i = 0; i < 200; ++i)
      rp->wait(1000, std::chrono::milliseconds(i % 3), calls[i].recorder(*rp));
    std::this_thread::sleep_for(1ms);
    rp.reset();
    // Whatever was answered before the end was answered once.
    for (const auto& c : calls) {
      if (c.count > 1) ++answered_twice;
    }
  }
  CHECK(answered_twice == 0);
}
