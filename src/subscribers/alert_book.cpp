#include "subscribers/alert_book.hpp"

namespace catalog::subscribers {

void AlertBook::set(ChatId chat, Id product, double price) {
  remove(chat, product);
  by_product_[product].emplace(price, chat);
  by_chat_[chat][product] = price;
  ++count_;
}

bool AlertBook::remove(ChatId chat, Id product) {
  auto mine = by_chat_.find(chat);
  if (mine == by_chat_.end()) return false;
  auto it = mine->second.find(product);
  if (it == mine->second.end()) return false;
  auto& thresholds = by_product_[product];
  auto [lo, hi] = thresholds.equal_range(it->second);
  for (auto t = lo; t != hi; ++t) {
    if (t->second == chat) {
      thresholds.erase(t);
      break;
    }
  }
  if (thresholds.empty()) by_product_.erase(product);
  mine->second.erase(it);
  if (mine->second.empty()) by_chat_.erase(mine);
  --count_;
  return true;
}

void AlertBook::forget(ChatId chat) {
  auto mine = by_chat_.find(chat);
  if (mine == by_chat_.end()) return;
  std::vector<Id> products;
  for (const auto& [product, price] : mine->second)
    products.push_back(product);
  for (auto product : products)
    remove(chat, product);
}

std::vector<Alert> AlertBook::of(ChatId chat) const {
  std::vector<Alert> out;
  if (auto mine = by_chat_.find(chat); mine != by_chat_.end())
    for (const auto& [product, price] : mine->second)
      out.push_back({chat, product, price});
  return out;
}

std::vector<Alert> AlertBook::fire(Id product, double price) {
  std::vector<Alert> fired;
  auto book = by_product_.find(product);
  if (book == by_product_.end()) return fired;
  auto& thresholds = book->second;
  for (auto t = thresholds.rbegin(); t != thresholds.rend() && t->first >= price; ++t)
    fired.push_back({t->second, product, t->first});
  for (const auto& a : fired)
    remove(a.chat, product);
  return fired;
}

}  // namespace catalog::subscribers
