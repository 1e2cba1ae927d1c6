// What the bot reads from Telegram: the updates of getUpdates (or one update posted to the
// webhook), reduced to what the subscribers' commands need. Only new text messages count:
// edited messages, channel posts, callbacks and the other kinds of update are passed over,
// but their update_id still moves the offset so they are not fetched again.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace catalog::notify {

struct IncomingMessage {
  int64_t chat_id = 0;
  std::string chat_type;  // "private", "group", "supergroup", "channel"
  std::string text;
};

struct BotUpdate {
  int64_t update_id = 0;
  std::optional<IncomingMessage> message;  // empty: nothing for the bot to answer
};

// One update object. Throws std::invalid_argument, naming what is wrong, when it has no
// integer update_id; a message without text or chat is an update with nothing to answer.
BotUpdate read_update(const nlohmann::json& update);

// The body of a getUpdates answer: {"ok":true,"result":[update, ...]}. Throws
// std::invalid_argument, naming what is wrong, for anything else.
std::vector<BotUpdate> read_updates(std::string_view body);

// The body of a getUpdates call after `offset` (the next update_id wanted), waiting up to
// `wait_seconds` for one; only messages are asked for.
std::string get_updates_body(int64_t offset, int wait_seconds);

}  // namespace catalog::notify
