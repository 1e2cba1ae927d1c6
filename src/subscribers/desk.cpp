#include "subscribers/desk.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "notify/message.hpp"
#include "projections/as_of.hpp"

namespace catalog::subscribers {

namespace {

// What the outbox must know of a chat after a command changed it.
struct ChatShape {
  bool subscribed = false;
  bool follows = false;
  int64_t position = 0;
};

ChatShape shape(const Subscriptions& subs, ChatId chat) {
  auto it = subs.chats().find(chat);
  if (it == subs.chats().end()) return {};
  return {true, subs.follows().follows_something(chat), it->second};
}

}  // namespace

Desk::Desk(SubscriberStore& store, OutboxLimits limits, Clock::time_point now)
    : store_(store),
      subs_(store),
      outbox_(limits, now),
      tracker_([this](Id id, int64_t at) -> std::optional<ProductFacts> {
        auto p = projections::product_as_of(*log_, id, at);
        if (!p) return std::nullopt;
        ProductFacts f;
        if (p->category) f.category = p->category->id;
        for (const auto& t : p->tags)
          f.tags.push_back(t.id);
        f.price_shmeckles = p->price_shmeckles;
        return f;
      }) {
  for (const auto& [chat, position] : subs_.chats())
    outbox_.add_chat(chat, position, subs_.follows().follows_something(chat), now);
}

void Desk::subscribe(ChatId chat, int64_t position, int64_t now_ms, Clock::time_point now) {
  if (subs_.subscribe(chat, position, now_ms)) outbox_.add_chat(chat, position, false, now);
}

int64_t Desk::start(int64_t head) {
  int64_t from = head;
  for (const auto& entry : subs_.chats())
    from = std::min(from, entry.second);
  outbox_.start_at(from);
  return from;
}

Desk::RouteCost Desk::route(const events::RecordedEvent& e, events::EventStore& log) {
  using Seconds = std::chrono::duration<double>;
  auto started = std::chrono::steady_clock::now();
  log_ = &log;
  auto routed =
      tracker_.apply(events::from_json(e.type, nlohmann::json::parse(e.data)), e.position);
  scratch_.clear();
  subs_.follows().route(routed.concern, scratch_);
  std::vector<Alert> fired;
  if (routed.new_price) fired = subs_.alerts().fire(routed.concern.product, *routed.new_price);
  auto rendering = std::chrono::steady_clock::now();
  Text text;
  if (outbox_.wants_changes() || !scratch_.empty())
    text = std::make_shared<const std::string>(notify::message_for(e, log));
  outbox_.change(e.position, outbox_.wants_changes() ? text : nullptr);
  for (ChatId chat : scratch_)
    outbox_.route(chat, e.position, text);
  for (const auto& a : fired) {
    // A chat already past this change (the log read again after a restart) set the alert
    // after it: it waits for a later drop.
    if (outbox_.position(a.chat).value_or(INT64_MAX) >= e.position) {
      subs_.alerts().set(a.chat, a.product, a.price);
      continue;
    }
    outbox_.alert(a.chat, e.position, a.product, alert_text(a, e.position, log));
  }
  log_ = nullptr;
  auto done = std::chrono::steady_clock::now();
  return {Seconds(rendering - started).count(), Seconds(done - rendering).count()};
}

Text Desk::alert_text(const Alert& a, int64_t position, events::EventStore& log) const {
  auto p = projections::product_as_of(log, a.product, position);
  std::string name = p ? "«" + p->name + "»" : "";
  double price = p ? p->price_shmeckles : a.price;
  return std::make_shared<const std::string>(
      "🔔 Price alert: Product #" + std::to_string(a.product) + " " + name + " now costs " +
      notify::price_text(price) + " shmeckles (your alert: " + notify::price_text(a.price) +
      " or less).");
}

void Desk::handle(const notify::IncomingMessage& m, CatalogLookup& lookup, int64_t head,
                  int64_t now_ms, Clock::time_point now) {
  ChatShape before = shape(subs_, m.chat_id);
  std::string reply = subs_.handle(m.chat_id, m.text, lookup, head, now_ms);
  ChatShape after = shape(subs_, m.chat_id);
  if (before.subscribed && !after.subscribed) {
    outbox_.remove_chat(m.chat_id);
  } else if (!before.subscribed && after.subscribed) {
    outbox_.add_chat(m.chat_id, after.position, after.follows, now);
  } else if (after.subscribed && before.follows != after.follows) {
    outbox_.set_follows(m.chat_id, after.follows);
  }
  outbox_.reply(m.chat_id, std::move(reply), now);
}

bool Desk::done(const Delivery& d, Outcome outcome, Clock::time_point now,
                std::chrono::milliseconds retry_after) {
  auto moved = outbox_.done(d, outcome, now, retry_after);
  if (outcome == Outcome::gone) {
    subs_.erase(d.chat);
    return true;
  }
  if (!moved) return false;
  // An alert is gone from the store once its message went, unless the chat set a new one
  // for the same product meanwhile.
  if (!d.alerts.empty()) {
    auto current = subs_.alerts().of(d.chat);
    for (Id product : d.alerts) {
      bool again = std::any_of(current.begin(), current.end(),
                               [product](const Alert& a) { return a.product == product; });
      if (!again) store_.remove_alert(d.chat, product);
    }
  }
  subs_.advance(d.chat, *moved);
  return false;
}

nlohmann::json Desk::listing() const {
  auto out = nlohmann::json::array();
  for (const auto& [chat, stored] : subs_.chats()) {
    auto follows = nlohmann::json::array();
    for (const auto& [kind, id] : subs_.follows().follows(chat))
      follows.push_back({{"kind", kind_name(kind)}, {"id", id}});
    auto alerts = nlohmann::json::array();
    for (const auto& a : subs_.alerts().of(chat))
      alerts.push_back({{"product_id", a.product}, {"price_shmeckles", a.price}});
    out.push_back({{"chat_id", chat},
                   {"follows", std::move(follows)},
                   {"alerts", std::move(alerts)},
                   {"position", outbox_.position(chat).value_or(stored)},
                   {"pending", outbox_.pending(chat)}});
  }
  return out;
}

bool Desk::erase(ChatId chat) {
  outbox_.remove_chat(chat);
  return subs_.erase(chat);
}

void Desk::sweep() {
  auto idle = outbox_.idle_behind();
  for (ChatId chat : idle)
    outbox_.mark_at_head(chat);
  subs_.advance_all(idle, outbox_.head());
}

}  // namespace catalog::subscribers
