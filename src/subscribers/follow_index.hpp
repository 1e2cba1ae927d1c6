// Who follows what: from a category, a tag or a product to the chats that follow it, and
// back. Routing an event asks only the entries the event touches, so its cost follows the
// follows touched, not the number of subscribers. Chats that follow nothing get every
// change; they are not in here but in the notifier's broadcast set.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "subscribers/bot_command.hpp"

namespace catalog::subscribers {

using ChatId = int64_t;

// What one event touches: the product, and each category and tag it is in before or after
// the change (a category or tag event touches that category or tag alone).
struct Concern {
  Id product = 0;  // 0: not a product event
  std::vector<Id> categories;
  std::vector<Id> tags;
};

class FollowIndex {
 public:
  // True when the chat did not follow it yet.
  bool add(ChatId chat, FollowKind kind, Id id);
  // True when the chat did follow it.
  bool remove(ChatId chat, FollowKind kind, Id id);
  void forget(ChatId chat);

  bool follows_something(ChatId chat) const { return by_chat_.count(chat) != 0; }
  bool follows(ChatId chat, FollowKind kind, Id id) const;
  // What `chat` follows, in the order it followed them.
  std::vector<std::pair<FollowKind, Id>> follows(ChatId chat) const;

  // Appends to `out`, once each and ascending, the chats that follow something `c` touches.
  void route(const Concern& c, std::vector<ChatId>& out) const;

  size_t follow_count() const { return follows_; }

 private:
  using Key = uint64_t;
  static Key key(FollowKind kind, Id id);
  static std::pair<FollowKind, Id> unkey(Key k);
  void collect(Key k, std::vector<ChatId>& out) const;

  std::unordered_map<Key, std::vector<ChatId>> followers_;
  std::unordered_map<ChatId, std::vector<Key>> by_chat_;
  size_t follows_ = 0;
};

}  // namespace catalog::subscribers
