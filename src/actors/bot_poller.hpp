// The bot's ear: asks Telegram for its own username (getMe, for "/cmd@BotName") and, unless
// updates come by webhook, long-polls getUpdates. It asks only when the notifier says so,
// with the offset the notifier stored, and hands each batch back before it asks again: an
// update is confirmed to Telegram (by the next offset) only after it was handled and stored.
#pragma once

#include <caf/all.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "notify/bot_updates.hpp"
#include "notify/telegram_client.hpp"

namespace catalog::actors {

using poll_atom = caf::atom_constant<caf::atom("poll")>;

struct BotMessages {
  std::vector<notify::BotUpdate> updates;
  int64_t next_offset = 0;              // the offset to ask with next
  std::optional<std::string> username;  // once getMe answered
};

struct PollerSettings {
  int wait_seconds = 25;  // getUpdates' long-poll time-out
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(30)};
};

// Takes (poll_atom, offset, fetch): getMe until it answered, then getUpdates after `offset`
// when `fetch`; answers with BotMessages to `notifier`. Errors are logged and retried with
// back-off. Stops on stop_atom.
caf::actor spawn_bot_poller(caf::actor_system& sys, std::shared_ptr<notify::TelegramClient> client,
                            caf::actor notifier, PollerSettings settings);

}  // namespace catalog::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(catalog::actors::BotMessages)
