#include "subscribers/subscriber_store.hpp"

#include <algorithm>

#include "subscribers/subscriber_rows.hpp"

namespace catalog::subscribers {

std::optional<FollowKind> follow_kind(std::string_view name) {
  for (auto kind : {FollowKind::category, FollowKind::tag, FollowKind::product})
    if (kind_name(kind) == name) return kind;
  return std::nullopt;
}

void SubscriberRows::add_subscriber(ChatId chat, int64_t position) {
  by_chat_.emplace(chat, Subscriber{chat, position, {}, {}});
}

void SubscriberRows::add_follow(ChatId chat, std::string_view kind, Id id) {
  auto s = by_chat_.find(chat);
  auto k = follow_kind(kind);
  if (s != by_chat_.end() && k) s->second.follows.emplace_back(*k, id);
}

void SubscriberRows::add_alert(ChatId chat, Id product, double price) {
  if (auto s = by_chat_.find(chat); s != by_chat_.end())
    s->second.alerts.push_back({chat, product, price});
}

std::vector<Subscriber> SubscriberRows::take() {
  std::vector<Subscriber> out;
  out.reserve(by_chat_.size());
  for (auto& [chat, s] : by_chat_)
    out.push_back(std::move(s));
  by_chat_.clear();
  return out;
}

}  // namespace catalog::subscribers
