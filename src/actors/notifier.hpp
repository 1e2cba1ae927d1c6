// The notifier actor: serves the bot's subscribers. It follows the event log, routes each
// change to the chats it concerns (subscribers::Desk), and hands the messages to a few
// sender actors, one message per chat at a time, so that a slow or failing chat never holds
// up another. A chat's position moves only after Telegram accepted its message, so a
// restart repeats at most the messages in flight. Commands reach it from the getUpdates
// poller or from POST /telegram/webhook, and are stored before they are answered.
//
// On a cluster node it sends only while the node is the writer and its lock answered a ping
// within the last 2 s; the subscribers live in the shared database and are read again each
// time it may send after a pause, so a new writer carries on where the old one stopped, and
// an old writer that was paused and wakes up sends nothing.
//
// Accepts: wake_atom (new events were committed), stop_atom, and the messages below.
#pragma once

#include <caf/all.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "metrics/metrics.hpp"
#include "notify/bot_updates.hpp"

namespace catalog::cluster {
class NodeState;
}

namespace catalog::actors {

using wake_atom = caf::atom_constant<caf::atom("wake")>;

struct NotifierSettings {
  std::string database_path;
  std::string api_base;
  std::string bot_token;
  // TELEGRAM_USER_ID: subscribed at start-up, as if it had sent /start.
  std::optional<std::string> chat_id;
  double chat_rate = 1;
  double global_rate = 30;
  // Updates come to POST /telegram/webhook: the bot does not poll.
  bool webhook = false;
  int senders = 4;
  // A cluster node: the shared database (the subscribers) and the node's role.
  std::optional<std::string> postgres_url;
  cluster::NodeState* node = nullptr;
  std::chrono::milliseconds send_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(60)};
  int poll_wait_seconds = 25;
};

// What the HTTP routes ask of the notifier. Each answer is called once, from the notifier's
// thread; nullopt when this node does not serve subscribers now (a cluster node that is not
// the writer).
struct ListSubscribers {
  std::function<void(std::optional<std::string> json)> answer;
};
struct EraseSubscriber {
  int64_t chat = 0;
  std::function<void(std::optional<bool> erased)> answer;
};
struct WebhookUpdate {
  notify::BotUpdate update;
  std::function<void(bool handled)> answer;
};

struct NotifierState;

// Opens the notifier's connection; throws when the database cannot be used.
std::shared_ptr<NotifierState> open_notifier(const NotifierSettings& settings,
                                             metrics::Metrics& metrics);

caf::actor spawn_notifier(caf::actor_system& sys, std::shared_ptr<NotifierState> state);

// Ends the long poll and the sends under way, so that stop_atom is taken at once.
void interrupt_notifier(NotifierState& state);

}  // namespace catalog::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(catalog::actors::ListSubscribers)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(catalog::actors::EraseSubscriber)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(catalog::actors::WebhookUpdate)
