#include "subscribers/subscriptions.hpp"

#include "notify/message.hpp"

namespace catalog::subscribers {

namespace {

constexpr std::string_view not_subscribed = "This chat is not subscribed. /start subscribes it.";

std::string quoted(std::string_view name) {
  return "«" + std::string(name) + "»";
}

std::string label(FollowKind kind, Id id, std::string_view name) {
  return std::string(kind_name(kind)) + " " + quoted(name) + " (#" + std::to_string(id) + ")";
}

// "No tag has id 12." or "No tag is named «Хит».": what was asked for, as it was written.
std::string unknown(const FollowTarget& t) {
  auto kind = std::string(kind_name(t.kind));
  if (auto* id = std::get_if<Id>(&t.ref))
    return "No " + kind + " has id " + std::to_string(*id) + ".";
  return "No " + kind + " is named " + quoted(std::get<std::string>(t.ref)) + ".";
}

std::string subscribed_first(bool fresh) {
  return fresh ? "Subscribed. " : "";
}

}  // namespace

Subscriptions::Subscriptions(SubscriberStore& store) : store_(store) {
  for (const auto& s : store_.load()) {
    positions_[s.chat] = s.position;
    for (const auto& [kind, id] : s.follows)
      follows_.add(s.chat, kind, id);
    for (const auto& a : s.alerts)
      alerts_.set(a.chat, a.product, a.price);
  }
}

bool Subscriptions::subscribe(ChatId chat, int64_t head, int64_t now_ms) {
  if (positions_.count(chat)) return false;
  store_.subscribe(chat, head, now_ms);
  positions_[chat] = head;
  return true;
}

bool Subscriptions::erase(ChatId chat) {
  store_.erase(chat);
  follows_.forget(chat);
  alerts_.forget(chat);
  return positions_.erase(chat) == 1;
}

void Subscriptions::advance(ChatId chat, int64_t position) {
  auto it = positions_.find(chat);
  if (it == positions_.end() || position <= it->second) return;
  store_.advance(chat, position);
  it->second = position;
}

void Subscriptions::advance_all(const std::vector<ChatId>& chats, int64_t position) {
  std::vector<ChatId> behind;
  for (ChatId chat : chats) {
    auto it = positions_.find(chat);
    if (it == positions_.end() || position <= it->second) continue;
    behind.push_back(chat);
    it->second = position;
  }
  store_.advance_all(behind, position);
}

std::string Subscriptions::handle(ChatId chat, std::string_view text, CatalogLookup& lookup,
                                  int64_t head, int64_t now_ms) {
  auto c = read_command(text, bot_username_);
  if (!c.error.empty()) return c.error;
  using Verb = BotCommand::Verb;
  switch (c.verb) {
    case Verb::start:
      if (!subscribe(chat, head, now_ms))
        return "You are already subscribed. /following shows what you get.";
      return "Subscribed: you get every change of the catalog from now on. "
             "/follow narrows it down, /help lists the commands.";
    case Verb::stop:
      if (!erase(chat)) return std::string(not_subscribed);
      return "Unsubscribed. Everything stored about this chat is deleted.";
    case Verb::follow:
      return follow(chat, c, lookup, head, now_ms);
    case Verb::unfollow:
      return unfollow(chat, c, lookup);
    case Verb::alert:
      return alert(chat, c, lookup, head, now_ms);
    case Verb::following:
      return following(chat, lookup);
    case Verb::help:
      break;
  }
  return help_text();
}

std::string Subscriptions::follow(ChatId chat, const BotCommand& c, CatalogLookup& lookup,
                                  int64_t head, int64_t now_ms) {
  const auto& target = *c.target;
  Id id = 0;
  std::string what;
  if (target.kind == FollowKind::product) {
    auto p = lookup.product(std::get<Id>(target.ref));
    if (!p) return unknown(target);
    id = p->id;
    what = label(target.kind, id, p->name);
  } else {
    auto n = lookup.named(target.kind, target);
    if (!n) return unknown(target);
    id = n->id;
    what = label(target.kind, id, n->name);
  }
  bool fresh = subscribe(chat, head, now_ms);
  if (follows_.follows(chat, target.kind, id)) return "You already follow " + what + ".";
  store_.follow(chat, target.kind, id, now_ms);
  follows_.add(chat, target.kind, id);
  return subscribed_first(fresh) + "Following " + what +
         ": you now get only the changes you follow.";
}

std::string Subscriptions::unfollow(ChatId chat, const BotCommand& c, CatalogLookup& lookup) {
  if (!positions_.count(chat)) return std::string(not_subscribed);
  const auto& target = *c.target;
  std::optional<Id> id;
  std::string what;
  if (auto* by_id = std::get_if<Id>(&target.ref)) {
    // By id even when the catalog no longer has it: a deleted tag can still be unfollowed.
    id = *by_id;
    what = std::string(kind_name(target.kind)) + " #" + std::to_string(*id);
  } else if (auto n = lookup.named(target.kind, target)) {
    id = n->id;
    what = label(target.kind, n->id, n->name);
  } else {
    return unknown(target);
  }
  if (!follows_.follows(chat, target.kind, *id)) return "You do not follow " + what + ".";
  store_.unfollow(chat, target.kind, *id);
  follows_.remove(chat, target.kind, *id);
  return "No longer following " + what + "." +
         (follows_.follows_something(chat) ? "" : " You get every change again.");
}

std::string Subscriptions::alert(ChatId chat, const BotCommand& c, CatalogLookup& lookup,
                                 int64_t head, int64_t now_ms) {
  auto p = lookup.product(c.product);
  if (!p) return "No product has id " + std::to_string(c.product) + ".";
  bool fresh = subscribe(chat, head, now_ms);
  store_.set_alert(chat, p->id, c.price);
  alerts_.set(chat, p->id, c.price);
  return subscribed_first(fresh) + "Alert set: one message when " +
         label(FollowKind::product, p->id, p->name) + " costs " + notify::price_text(c.price) +
         " shmeckles or less (it costs " + notify::price_text(p->price_shmeckles) + " now).";
}

std::string Subscriptions::following(ChatId chat, CatalogLookup& lookup) {
  if (!positions_.count(chat)) return std::string(not_subscribed);
  std::string out;
  auto follows = follows_.follows(chat);
  if (follows.empty()) {
    out = "You get every change of the catalog.";
  } else {
    out = "You follow:";
    for (const auto& [kind, id] : follows) {
      std::optional<std::string> name;
      if (kind == FollowKind::product) {
        if (auto p = lookup.product(id)) name = p->name;
      } else if (auto n = lookup.named(kind, FollowTarget{kind, id})) {
        name = n->name;
      }
      out +=
          "\n- " + (name ? label(kind, id, *name)
                         : std::string(kind_name(kind)) + " #" + std::to_string(id) + " (deleted)");
    }
  }
  auto alerts = alerts_.of(chat);
  if (!alerts.empty()) {
    out += "\nAlerts:";
    for (const auto& a : alerts) {
      auto p = lookup.product(a.product);
      out += "\n- " +
             (p ? label(FollowKind::product, a.product, p->name)
                : "product #" + std::to_string(a.product) + " (deleted)") +
             " at " + notify::price_text(a.price) + " shmeckles or less";
    }
  }
  return notify::cut_to_limit(out);
}

}  // namespace catalog::subscribers
