// Telegram's rate limits as token buckets, on a clock the test moves.
#include "subscribers/token_bucket.hpp"

#include <catch2/catch.hpp>

using catalog::subscribers::TokenBucket;
using namespace std::chrono_literals;

TEST_CASE("a bucket lets its burst through, then one message per 1/rate") {
  auto t = TokenBucket::Clock::time_point{} + 1h;
  TokenBucket bucket(30, 30, t);
  int sent = 0;
  while (bucket.take(t))
    ++sent;
  CHECK(sent == 30);
  CHECK(bucket.wait(t) > 33ms);
  CHECK(bucket.wait(t) <= 34ms);
  CHECK_FALSE(bucket.take(t + 30ms));
  CHECK(bucket.take(t + 34ms));
  // Over ten seconds, the rate and not more, however often it is asked.
  sent = 0;
  for (auto now = t + 34ms; now < t + 10s + 34ms; now += 1ms)
    sent += bucket.take(now);
  CHECK(sent >= 299);
  CHECK(sent <= 300);
}

TEST_CASE("one message a second to a chat; a 429 holds the bucket until retry_after") {
  auto t = TokenBucket::Clock::time_point{} + 1h;
  TokenBucket chat(1, 1, t);
  CHECK(chat.take(t));
  CHECK_FALSE(chat.take(t + 999ms));
  CHECK(chat.take(t + 1s));
  chat.hold_until(t + 8s);
  CHECK_FALSE(chat.take(t + 7s));
  CHECK(chat.wait(t + 7s) == 2s);  // the hold, then a whole token
  CHECK_FALSE(chat.take(t + 8s));
  CHECK(chat.take(t + 9s));
}
