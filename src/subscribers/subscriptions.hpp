// The subscribers as the notifier serves them: the stored rows held in memory, the follows
// indexed for routing and the alerts by product. Each change is written to the store before
// memory and before the reply goes out, so what a chat was told is what a restart finds.
// Used by the notifier's one thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "subscribers/alert_book.hpp"
#include "subscribers/catalog_lookup.hpp"
#include "subscribers/follow_index.hpp"
#include "subscribers/subscriber_store.hpp"

namespace catalog::subscribers {

class Subscriptions {
 public:
  // Loads every subscriber from `store`, which must outlive this.
  explicit Subscriptions(SubscriberStore& store);

  // The bot's own username (from getMe), for "/follow@Name"; empty accepts any.
  void set_bot_username(std::string name) { bot_username_ = std::move(name); }

  // Answers one message from `chat`: carries out its command and returns the reply. A new
  // subscriber gets the changes after `head`, the log position it subscribed at.
  std::string handle(ChatId chat, std::string_view text, CatalogLookup& lookup, int64_t head,
                     int64_t now_ms);

  // As if the chat sent /start (TELEGRAM_USER_ID at start-up). True when it is new.
  bool subscribe(ChatId chat, int64_t head, int64_t now_ms);
  // Forgets the chat (/stop, or Telegram said the bot was blocked or the chat is gone).
  bool erase(ChatId chat);
  // The chat got everything up to `position`; only ever forward.
  void advance(ChatId chat, int64_t position);
  // The same for many chats, stored in one transaction.
  void advance_all(const std::vector<ChatId>& chats, int64_t position);

  // Chat -> the last position delivered to it.
  const std::map<ChatId, int64_t>& chats() const { return positions_; }
  const FollowIndex& follows() const { return follows_; }
  AlertBook& alerts() { return alerts_; }
  const AlertBook& alerts() const { return alerts_; }
  SubscriberStore& store() { return store_; }

 private:
  std::string follow(ChatId chat, const BotCommand& c, CatalogLookup& lookup, int64_t head,
                     int64_t now_ms);
  std::string unfollow(ChatId chat, const BotCommand& c, CatalogLookup& lookup);
  std::string alert(ChatId chat, const BotCommand& c, CatalogLookup& lookup, int64_t head,
                    int64_t now_ms);
  std::string following(ChatId chat, CatalogLookup& lookup);

  SubscriberStore& store_;
  std::string bot_username_;
  std::map<ChatId, int64_t> positions_;
  FollowIndex follows_;
  AlertBook alerts_;
};

}  // namespace catalog::subscribers
