// What waits to be sent to each chat, and which chat may send next. Every change of the log
// is kept once (its text shared); a chat that follows nothing reads them all after its
// position, a chat that follows something has its own queue of the changes routed to it.
// Pending changes of one chat leave as one message of at most 4096 UTF-16 units. A chat
// sends only when its own bucket and the global one have a token and its back-off is over;
// one chat has one message in flight at a time, so its changes stay in order, and a chat
// that waits never holds up another. Replies to commands go before changes.
//
// No I/O: the notifier feeds it changes and answers, and sends what it hands out.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "subscribers/follow_index.hpp"
#include "subscribers/lazy_deque.hpp"
#include "subscribers/token_bucket.hpp"

namespace catalog::subscribers {

using Text = std::shared_ptr<const std::string>;

struct OutboxLimits {
  double chat_rate = 1;     // messages a second to one chat
  double global_rate = 30;  // messages a second in all, and as many at once
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(60)};
  size_t max_units = 4096;  // UTF-16 code units in one message
};

// One message handed out to send.
struct Delivery {
  ChatId chat = 0;
  std::string text;
  // The last log position it carries; 0 for a reply to a command.
  int64_t through = 0;
  size_t changes = 0;      // changes and alerts it carries
  std::vector<Id> alerts;  // the products of the alerts it carries
};

// How a send ended, as the notifier read Telegram's answer.
enum class Outcome {
  sent,
  rate_limited,  // 429: hold the chat for retry_after
  transient,     // 5xx, network: back off, this chat alone
  gone,          // 403, or 400 chat not found: the chat is forgotten
  refused,       // another 4xx: resending cannot help, the message is skipped
};

class Outbox {
 public:
  using Clock = TokenBucket::Clock;

  Outbox(OutboxLimits limits, Clock::time_point now);

  // A subscriber delivered up to `position`. `follows` false: it gets every change.
  void add_chat(ChatId chat, int64_t position, bool follows, Clock::time_point now);
  // /stop or gone: nothing more goes to the chat but the replies already queued.
  void remove_chat(ChatId chat);
  // The chat started (true) or stopped (false) following anything, with the log read up to
  // the outbox's head: the changes it already had pending stay pending.
  void set_follows(ChatId chat, bool follows);

  // The log is read after `position`: head() until the first change.
  void start_at(int64_t position) { head_ = position; }
  // The change at `position` (the next after head()), for every chat that gets all of them.
  void change(int64_t position, Text text);
  // The same change for a chat that follows what it touches; nothing if the chat already
  // had it (its position is at or past it).
  void route(ChatId chat, int64_t position, Text text);
  // An alert that fired at `position` for `chat`.
  void alert(ChatId chat, int64_t position, Id product, Text text);
  // A reply to a command; the chat need not be a subscriber.
  void reply(ChatId chat, std::string text, Clock::time_point now);

  // The next message to send now, or nullopt and (in `wake`) when to ask again, or max()
  // when nothing is pending.
  std::optional<Delivery> next(Clock::time_point now, Clock::time_point& wake);
  // How the delivery of `chat` ended; returns the position the chat has now had (to store),
  // or nullopt when nothing moved.
  std::optional<int64_t> done(const Delivery& d, Outcome outcome, Clock::time_point now,
                              std::chrono::milliseconds retry_after = {});

  int64_t head() const { return head_; }
  // Some chat gets every change: change() needs its text.
  bool wants_changes() const { return !cursors_.empty(); }
  bool has(ChatId chat) const;
  std::optional<int64_t> position(ChatId chat) const;
  // Changes (and alerts) waiting for the chat.
  size_t pending(ChatId chat) const;
  // The largest number of changes waiting for one chat.
  size_t largest_pending() const;
  // Chats that have everything up to head() but whose last delivery was before it: their
  // stored position may move to head() (so a restart does not route the log again).
  std::vector<ChatId> idle_behind() const;
  void mark_at_head(ChatId chat);
  size_t chats() const { return lines_.size(); }
  size_t window() const { return window_.size(); }

 private:
  struct Item {
    int64_t position;
    Text text;
    Id alert = 0;  // 0: a change
  };
  enum class State { idle, ready, timed, in_flight };
  struct Line {
    Line(double rate, Clock::time_point now) : bucket(rate, 1, now) {}
    bool subscribed = true;
    int64_t position = 0;
    bool broadcast = false;
    // Gets every change only from here: one that stopped following does not get the
    // changes it did not follow from before.
    int64_t since = 0;
    LazyDeque<Item> routed;
    LazyDeque<std::string> replies;
    TokenBucket bucket;
    State state = State::idle;
    Clock::time_point not_before{};
    int failures = 0;
  };

  Line* find(ChatId chat);
  const Line* find(ChatId chat) const;
  // The position after which the chat reads the shared changes.
  static int64_t cursor(const Line& l) { return std::max(l.position, l.since); }
  bool has_pending(const Line& l) const;
  void wake(ChatId chat, Line& l);
  void set_cursor(Line& l, int64_t to);
  void trim();
  Delivery compose(ChatId chat, Line& l) const;
  std::chrono::milliseconds backoff(int failures) const;

  OutboxLimits limits_;
  TokenBucket global_;
  int64_t head_ = -1;                            // -1: nothing read yet
  std::deque<std::pair<int64_t, Text>> window_;  // every change after the lowest cursor
  std::multiset<int64_t> cursors_;               // positions of the chats that get all
  std::unordered_map<ChatId, Line> lines_;
  std::deque<ChatId> ready_;
  std::multimap<Clock::time_point, ChatId> timed_;
  std::vector<ChatId> idle_broadcast_;  // caught up: woken by the next change
};

}  // namespace catalog::subscribers
