// The subscribers' side of the notifier, without threads or sockets: commands carried out and
// answered, each change of the log routed to the chats it concerns, alerts fired, and the
// answers of Telegram written back to the store. The notifier actor feeds it and sends what
// it hands out; tests drive it directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "events/event_store.hpp"
#include "events/recorded_event.hpp"
#include "notify/bot_updates.hpp"
#include "subscribers/catalog_lookup.hpp"
#include "subscribers/outbox.hpp"
#include "subscribers/product_facts.hpp"
#include "subscribers/subscriber_store.hpp"
#include "subscribers/subscriptions.hpp"

namespace catalog::subscribers {

class Desk {
 public:
  using Clock = Outbox::Clock;

  // Loads every subscriber of `store`, which must outlive this.
  Desk(SubscriberStore& store, OutboxLimits limits, Clock::time_point now);

  void set_bot_username(std::string name) { subs_.set_bot_username(std::move(name)); }
  // As if `chat` sent /start: TELEGRAM_USER_ID. A new one starts after `position`.
  void subscribe(ChatId chat, int64_t position, int64_t now_ms, Clock::time_point now);

  // Where reading the log starts: the lowest position of a subscriber, or `head` when there
  // is none (nobody waits for what came before). Called once, before route().
  int64_t start(int64_t head);
  // What routing one change cost, in seconds: the routing itself, and writing its text.
  struct RouteCost {
    double route = 0;
    double render = 0;
  };
  // The next event of the log, in order; `log` reads what the texts and routing need.
  RouteCost route(const events::RecordedEvent& e, events::EventStore& log);
  int64_t routed_to() const { return outbox_.head(); }

  // A message to the bot: carried out, and the reply queued. `head` is the log's position
  // now (where a new subscriber starts).
  void handle(const notify::IncomingMessage& m, CatalogLookup& lookup, int64_t head, int64_t now_ms,
              Clock::time_point now);

  std::optional<Delivery> next(Clock::time_point now, Clock::time_point& wake) {
    return outbox_.next(now, wake);
  }
  // Telegram's answer to a delivery, written through to the store. True when it made the
  // chat be forgotten.
  bool done(const Delivery& d, Outcome outcome, Clock::time_point now,
            std::chrono::milliseconds retry_after = {});

  // GET /subscribers, ascending by chat id.
  nlohmann::json listing() const;
  // DELETE /subscribers/{chat_id}; false when there was no such subscriber.
  bool erase(ChatId chat);
  // Stores the head as the position of chats that had nothing pending up to it.
  void sweep();

  size_t subscribers() const { return subs_.chats().size(); }
  size_t largest_pending() const { return outbox_.largest_pending(); }
  SubscriberStore& store() { return store_; }

 private:
  Text alert_text(const Alert& a, int64_t position, events::EventStore& log) const;

  SubscriberStore& store_;
  Subscriptions subs_;
  Outbox outbox_;
  events::EventStore* log_ = nullptr;  // set while route() runs, for the tracker's lookups
  ProductFactsTracker tracker_;
  std::vector<ChatId> scratch_;
};

}  // namespace catalog::subscribers
