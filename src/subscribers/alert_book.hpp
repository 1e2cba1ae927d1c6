// Price alerts: "one message when product ID's price_shmeckles drops to PRICE or below".
// An alert fires at the first change that sets the product's price in shmeckles at or below
// its threshold, and is gone once it fired. Kept per product, cheapest threshold first, so a
// price change looks only at the alerts it fires.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "subscribers/follow_index.hpp"

namespace catalog::subscribers {

struct Alert {
  ChatId chat = 0;
  Id product = 0;
  double price = 0;
};

class AlertBook {
 public:
  // One alert per chat and product: setting it again replaces the price.
  void set(ChatId chat, Id product, double price);
  bool remove(ChatId chat, Id product);
  void forget(ChatId chat);

  // The chat's alerts, by product id.
  std::vector<Alert> of(ChatId chat) const;

  // The product's price in shmeckles is now `price`: the alerts that fire, removed from the
  // book, in the order of their thresholds, highest first.
  std::vector<Alert> fire(Id product, double price);

  size_t size() const { return count_; }

 private:
  // Per product: threshold -> chats. Firing takes every threshold >= price from the top.
  std::unordered_map<Id, std::multimap<double, ChatId>> by_product_;
  std::unordered_map<ChatId, std::map<Id, double>> by_chat_;
  size_t count_ = 0;
};

}  // namespace catalog::subscribers
