// A sender: one kept-alive connection to the Bot API on its own thread, sending the messages
// the notifier hands it and telling it how each went. The notifier keeps a few, so that one
// slow answer holds up one chat, not all of them.
#pragma once

#include <caf/all.hpp>
#include <memory>

#include "notify/telegram_client.hpp"
#include "subscribers/outbox.hpp"

namespace catalog::actors {

struct SendJob {
  subscribers::Delivery delivery;
  uint64_t epoch = 0;  // the notifier's, when it handed the job out
};

struct SendDone {
  subscribers::Delivery delivery;
  notify::SendResult result;
  caf::actor sender;  // free for the next message
  uint64_t epoch = 0;
};

// Answers each SendJob with a SendDone to `notifier`. Stops on stop_atom.
caf::actor spawn_telegram_sender(caf::actor_system& sys,
                                 std::shared_ptr<notify::TelegramClient> client,
                                 caf::actor notifier);

}  // namespace catalog::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(catalog::actors::SendJob)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(catalog::actors::SendDone)
