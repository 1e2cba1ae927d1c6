// The notifier actor: follows the event log from its own checkpoint and sends one Telegram
// message per event, in log order, at least once. The checkpoint moves only after Telegram
// accepted a message, so a restart repeats at most the one in flight. Network errors and
// 5xx are retried with capped exponential back-off and jitter, a 429 waits the retry_after
// Telegram gave, a permanent refusal is logged, counted and skipped. It reads the log
// itself, so writers never wait for it.
//
// On a cluster node it reads the node's copy of the log and sends only while the node is
// the writer and its lock answered a ping within the last 2 s; its checkpoint lives in the
// shared database, read again each time it may send after a pause, and only moved forward.
// So a new writer's notifier carries on where the old one stopped, and an old writer that
// was paused and wakes up sends nothing.
//
// Accepts: wake_atom (new events were committed), stop_atom.
#pragma once

#include <caf/all.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "metrics/metrics.hpp"

namespace catalog::cluster {
class NodeState;
}

namespace catalog::actors {

using wake_atom = caf::atom_constant<caf::atom("wake")>;

struct NotifierSettings {
  std::string database_path;
  std::string api_base;
  std::string bot_token;
  std::string chat_id;
  // A cluster node: the shared database (the checkpoint) and the node's role.
  std::optional<std::string> postgres_url;
  cluster::NodeState* node = nullptr;
  std::chrono::milliseconds send_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(60)};
};

struct NotifierState;

// Opens the notifier's connection and checkpoint. A notifier that has never run starts at
// the head of the log: switching notifications on does not send the whole history.
std::shared_ptr<NotifierState> open_notifier(const NotifierSettings& settings,
                                             metrics::Metrics& metrics);

caf::actor spawn_notifier(caf::actor_system& sys, std::shared_ptr<NotifierState> state);

// Wakes the notifier after a commit. However many commits come while it is busy, at most
// one wake-up waits in its mailbox, so a stop is never queued behind a long line of them.
std::function<void()> make_waker(const caf::actor& notifier,
                                 const std::shared_ptr<NotifierState>& state);

}  // namespace catalog::actors
