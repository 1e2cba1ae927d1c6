// Assembles subscribers from the rows of their three tables, read one table at a time by
// either backend. Rows of a chat that has no subscriber row are left out.
#pragma once

#include <map>
#include <string_view>
#include <vector>

#include "subscribers/subscriber_store.hpp"

namespace catalog::subscribers {

class SubscriberRows {
 public:
  void add_subscriber(ChatId chat, int64_t position);
  // Follows in the order they were followed; alerts by product id.
  void add_follow(ChatId chat, std::string_view kind, Id id);
  void add_alert(ChatId chat, Id product, double price);
  // Ascending by chat id.
  std::vector<Subscriber> take();

 private:
  std::map<ChatId, Subscriber> by_chat_;
};

}  // namespace catalog::subscribers
