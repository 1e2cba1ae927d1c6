// Telegram's limits as token buckets: at most `rate` messages a second on average, and never
// more than `burst` at once. Time is passed in, so the notifier's clock and a test's agree.
#pragma once

#include <algorithm>
#include <chrono>

namespace catalog::subscribers {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // A bucket starts full: the first `burst` messages go at once.
  TokenBucket(double rate, double burst, Clock::time_point now)
      : rate_(rate), burst_(std::max(burst, 1.0)), tokens_(burst_), at_(now) {}

  // Takes one token if there is one.
  bool take(Clock::time_point now) {
    refill(now);
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

  // How long until a token is there (zero when one is).
  Clock::duration wait(Clock::time_point now) {
    refill(now);
    if (tokens_ >= 1) return Clock::duration::zero();
    // After a hold, the bucket starts filling only when the hold ends.
    auto held = at_ > now ? at_ - now : Clock::duration::zero();
    return held + std::chrono::duration_cast<Clock::duration>(
                      std::chrono::duration<double>((1 - tokens_) / rate_));
  }

  // Nothing may go before `until` (a 429's retry_after): the bucket is emptied until then.
  void hold_until(Clock::time_point until) {
    tokens_ = 0;
    at_ = std::max(at_, until);
  }

 private:
  void refill(Clock::time_point now) {
    if (now <= at_) return;
    tokens_ = std::min(burst_, tokens_ + rate_ * std::chrono::duration<double>(now - at_).count());
    at_ = now;
  }

  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point at_;
};

}  // namespace catalog::subscribers
