// Where subscribers are kept: the tables of revision 0010, in the node's SQLite file on a
// single node and in the shared PostgreSQL database on a cluster (where the notifier runs
// on whichever node is the writer). The notifier keeps them in memory and writes each
// change through here before it answers the chat, so a restart loses nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "subscribers/alert_book.hpp"
#include "subscribers/follow_index.hpp"

namespace catalog::db {
class Connection;
}
namespace catalog::pg {
class Connection;
}

namespace catalog::subscribers {

struct Subscriber {
  ChatId chat = 0;
  int64_t position = 0;  // the last log position delivered to the chat or passed over
  std::vector<std::pair<FollowKind, Id>> follows;  // in the order they were followed
  std::vector<Alert> alerts;                       // by product id
};

class SubscriberStore {
 public:
  virtual ~SubscriberStore() = default;

  // Every subscriber, ascending by chat id.
  virtual std::vector<Subscriber> load() = 0;
  // A new subscriber starts after `position` (the changes made after it subscribed); one
  // already there keeps its follows and its position. True when it is new.
  virtual bool subscribe(ChatId chat, int64_t position, int64_t now_ms) = 0;
  // Erases the chat: the subscriber, its follows and its alerts. True when there was one.
  virtual bool erase(ChatId chat) = 0;
  virtual void follow(ChatId chat, FollowKind kind, Id id, int64_t now_ms) = 0;
  virtual void unfollow(ChatId chat, FollowKind kind, Id id) = 0;
  virtual void set_alert(ChatId chat, Id product, double price) = 0;
  virtual void remove_alert(ChatId chat, Id product) = 0;
  // Only ever forward: a position lower than the stored one changes nothing.
  virtual void advance(ChatId chat, int64_t position) = 0;
  // The same for many chats, in one transaction.
  virtual void advance_all(const std::vector<ChatId>& chats, int64_t position) = 0;

  // A small named value of the bot's (the getUpdates offset); nullopt when never set.
  virtual std::optional<int64_t> bot_value(std::string_view name) = 0;
  virtual void set_bot_value(std::string_view name, int64_t value) = 0;
};

// The connection must outlive the store and be used by one thread at a time.
std::unique_ptr<SubscriberStore> sqlite_subscriber_store(db::Connection& db);
std::unique_ptr<SubscriberStore> postgres_subscriber_store(pg::Connection& db);

// "category", "tag", "product" and back, as the tables spell them.
std::optional<FollowKind> follow_kind(std::string_view name);

}  // namespace catalog::subscribers
