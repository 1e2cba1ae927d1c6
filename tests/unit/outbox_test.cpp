// The outbox on a clock the test moves: what each chat is sent, coalesced and in order,
// within both rate limits, and how each answer of Telegram's moves it.
#include "subscribers/outbox.hpp"

#include <catch2/catch.hpp>
#include <map>

using namespace catalog::subscribers;
using namespace std::chrono_literals;
using Clock = Outbox::Clock;

namespace {

Text text(const std::string& s) {
  return std::make_shared<const std::string>(s);
}

const auto t0 = Clock::time_point{} + 1h;

// Everything the outbox hands out at `now` and within the next millisecond (a lifted limit
// still spaces one chat's messages by a nanosecond), each answered with `outcome`.
std::vector<Delivery> drain(Outbox& box, Clock::time_point now, Outcome outcome = Outcome::sent) {
  std::vector<Delivery> out;
  Clock::time_point wake;
  const auto until = now + 1ms;
  for (;;) {
    if (auto d = box.next(now, wake)) {
      box.done(*d, outcome, now);
      out.push_back(std::move(*d));
    } else if (wake <= until) {
      now = std::max(now, wake);
    } else {
      return out;
    }
  }
}

OutboxLimits unlimited() {
  OutboxLimits l;
  l.chat_rate = 1e9;
  l.global_rate = 1e9;
  return l;
}

}  // namespace

TEST_CASE("a chat that follows nothing gets every change after its position, coalesced") {
  Outbox box(unlimited(), t0);
  box.add_chat(1, 2, false, t0);
  box.change(1, text("one"));
  box.change(2, text("two"));
  box.change(3, text("three"));
  box.change(4, text("four"));
  CHECK(box.pending(1) == 2);
  auto sent = drain(box, t0);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].text == "three\n\nfour");
  CHECK(sent[0].through == 4);
  CHECK(sent[0].changes == 2);
  CHECK(box.position(1) == 4);
  CHECK(box.pending(1) == 0);
  CHECK(box.window() == 0);  // nobody needs them any more
}

TEST_CASE("a follower gets only what was routed to it, a new change wakes it again") {
  Outbox box(unlimited(), t0);
  box.add_chat(7, 0, true, t0);
  box.change(1, text("a"));
  box.route(7, 1, text("a"));
  box.change(2, text("b"));
  CHECK(drain(box, t0).at(0).text == "a");
  box.change(3, text("c"));
  box.route(7, 3, text("c"));
  auto sent = drain(box, t0);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].text == "c");
  CHECK(box.position(7) == 3);
  box.route(7, 3, text("again"));  // a restart routing what the chat already had
  CHECK(box.pending(7) == 0);
}

TEST_CASE("a message holds whole changes up to 4096 UTF-16 units; one longer change is cut") {
  OutboxLimits limits = unlimited();
  Outbox box(limits, t0);
  box.add_chat(1, 0, false, t0);
  std::string emoji;  // two units each
  for (int i = 0; i < 1000; ++i)
    emoji += "😀";
  box.change(1, text(emoji));                   // 2000 units
  box.change(2, text(emoji));                   // + 2 + 2000
  box.change(3, text(std::string(5000, 'x')));  // alone over the limit
  box.change(4, text("after"));
  auto sent = drain(box, t0);
  REQUIRE(sent.size() == 3);
  CHECK(sent[0].text == emoji + "\n\n" + emoji);
  CHECK(sent[0].through == 2);
  CHECK(sent[1].through == 3);
  CHECK(sent[1].text.size() == 4095 + std::string("…").size());
  CHECK(sent[2].text == "after");
}

TEST_CASE("an alert goes with the change that fired it, even to a chat that gets every change") {
  Outbox box(unlimited(), t0);
  box.add_chat(1, 0, false, t0);
  box.add_chat(2, 0, true, t0);
  box.change(1, text("price down"));
  box.alert(1, 1, 42, text("alert 1"));
  box.alert(2, 1, 42, text("alert 2"));
  std::map<ChatId, Delivery> by_chat;
  for (auto& d : drain(box, t0))
    by_chat[d.chat] = d;
  CHECK(by_chat.at(1).text == "price down\n\nalert 1");
  CHECK(by_chat.at(1).alerts == std::vector<Id>{42});
  CHECK(by_chat.at(2).text == "alert 2");
}

TEST_CASE("replies go first, one message each, also to chats that are not subscribers") {
  Outbox box(unlimited(), t0);
  box.add_chat(1, 0, false, t0);
  box.change(1, text("change"));
  box.reply(1, "hello", t0);
  box.reply(9, "help text", t0);
  auto sent = drain(box, t0);
  REQUIRE(sent.size() == 3);
  CHECK(sent[0].text == "hello");
  CHECK(sent[0].through == 0);
  CHECK(sent[1].text == "help text");
  CHECK(sent[2].text == "change");
  CHECK_FALSE(box.has(9));
  CHECK(box.chats() == 1);
}

TEST_CASE("one message a second to a chat; the others are not held back by it") {
  OutboxLimits limits;
  limits.chat_rate = 1;
  limits.global_rate = 1e9;
  Outbox box(limits, t0);
  box.add_chat(1, 0, false, t0);
  box.change(1, text("one"));
  REQUIRE(drain(box, t0).size() == 1);
  box.change(2, text("two"));
  box.change(3, text("three"));
  box.add_chat(2, 1, false, t0);
  Clock::time_point wake;
  auto d = box.next(t0 + 10ms, wake);
  REQUIRE(d);
  CHECK(d->chat == 2);  // chat 1 waits for its bucket, chat 2 goes
  box.done(*d, Outcome::sent, t0 + 10ms);
  CHECK_FALSE(box.next(t0 + 10ms, wake));
  CHECK(wake == t0 + 1s);
  auto later = drain(box, t0 + 1s);
  REQUIRE(later.size() == 1);
  CHECK(later[0].text == "two\n\nthree");
}

TEST_CASE("the global rate spreads messages over all chats, after a burst of as many") {
  OutboxLimits limits;
  limits.chat_rate = 1e9;
  limits.global_rate = 10;
  Outbox box(limits, t0);
  for (ChatId c = 1; c <= 50; ++c)
    box.add_chat(c, 0, false, t0);
  box.change(1, text("x"));
  CHECK(drain(box, t0).size() == 10);
  size_t sent = 0;
  for (auto now = t0 + 1ms; now <= t0 + 2s; now += 1ms) {
    Clock::time_point wake;
    while (auto d = box.next(now, wake)) {
      box.done(*d, Outcome::sent, now);
      ++sent;
    }
  }
  CHECK(sent >= 19);
  CHECK(sent <= 20);
}

TEST_CASE("a 429 holds that chat until retry_after; the message is sent again, whole") {
  Outbox box(unlimited(), t0);
  box.add_chat(1, 0, false, t0);
  box.change(1, text("one"));
  Clock::time_point wake;
  auto d = box.next(t0, wake);
  REQUIRE(d);
  CHECK_FALSE(box.done(*d, Outcome::rate_limited, t0, 3s));
  box.change(2, text("two"));
  CHECK_FALSE(box.next(t0 + 2900ms, wake));
  CHECK(wake >= t0 + 3s);
  auto sent = drain(box, t0 + 3s);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].text == "one\n\ntwo");
}

TEST_CASE("a failing chat backs off alone, doubling; the others are served meanwhile") {
  Outbox box(unlimited(), t0);
  box.add_chat(1, 0, false, t0);
  box.add_chat(2, 0, false, t0);
  box.change(1, text("x"));
  Clock::time_point wake;
  std::vector<ChatId> served;
  while (auto d = box.next(t0, wake)) {
    box.done(*d, d->chat == 1 ? Outcome::transient : Outcome::sent, t0);
    served.push_back(d->chat);
  }
  CHECK(served == std::vector<ChatId>{1, 2});
  CHECK(wake == t0 + 500ms);
  auto d = box.next(t0 + 500ms, wake);
  REQUIRE(d);
  box.done(*d, Outcome::transient, t0 + 500ms);
  CHECK_FALSE(box.next(t0 + 1400ms, wake));
  CHECK(wake == t0 + 1500ms);
  CHECK(drain(box, t0 + 1500ms).size() == 1);
  CHECK(box.position(1) == 1);
}

TEST_CASE("a chat that is gone is forgotten; a refused message is skipped") {
  Outbox box(unlimited(), t0);
  box.add_chat(1, 0, false, t0);
  box.add_chat(2, 0, false, t0);
  box.change(1, text("x"));
  Clock::time_point wake;
  while (auto d = box.next(t0, wake)) {
    auto moved = box.done(*d, d->chat == 1 ? Outcome::gone : Outcome::refused, t0);
    CHECK(moved == (d->chat == 1 ? std::nullopt : std::optional<int64_t>(1)));
  }
  CHECK_FALSE(box.has(1));
  CHECK(box.chats() == 1);
  box.change(2, text("y"));
  auto sent = drain(box, t0);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].chat == 2);
}

TEST_CASE("starting to follow keeps what was pending; stopping gets every change from then on") {
  Outbox box(unlimited(), t0);
  box.add_chat(1, 0, false, t0);
  box.change(1, text("one"));
  box.change(2, text("two"));
  box.set_follows(1, true);
  box.change(3, text("not followed"));
  box.change(4, text("followed"));
  box.route(1, 4, text("followed"));
  auto sent = drain(box, t0);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].text == "one\n\ntwo\n\nfollowed");
  box.change(5, text("five"));
  box.set_follows(1, false);
  CHECK(box.pending(1) == 0);  // made before it stopped following, and not followed
  box.change(6, text("six"));
  sent = drain(box, t0);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].text == "six");
}

TEST_CASE("a chat removed while its message is in flight gets nothing more") {
  Outbox box(unlimited(), t0);
  box.add_chat(1, 0, false, t0);
  box.change(1, text("x"));
  Clock::time_point wake;
  auto d = box.next(t0, wake);
  REQUIRE(d);
  box.remove_chat(1);
  box.reply(1, "bye", t0);
  CHECK_FALSE(box.done(*d, Outcome::sent, t0));
  auto sent = drain(box, t0);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].text == "bye");
  CHECK(box.chats() == 0);
}

TEST_CASE("idle chats behind the head can be moved to it, so a restart reads less") {
  Outbox box(unlimited(), t0);
  box.add_chat(1, 0, true, t0);
  box.add_chat(2, 0, false, t0);
  box.change(1, text("x"));
  drain(box, t0);
  CHECK(box.idle_behind() == std::vector<ChatId>{1});
  box.mark_at_head(1);
  CHECK(box.position(1) == 1);
  CHECK(box.idle_behind().empty());
}
