#include "actors/telegram_sender.hpp"

#include <string>

#include "actors/projector.hpp"

namespace catalog::actors {

namespace {

caf::behavior sender(caf::event_based_actor* self, std::shared_ptr<notify::TelegramClient> client,
                     caf::actor notifier) {
  return {
      [self, client, notifier](SendJob& job) {
        auto result = client->send_message(std::to_string(job.delivery.chat), job.delivery.text);
        self->send(notifier, SendDone{std::move(job.delivery), std::move(result),
                                      caf::actor_cast<caf::actor>(self), job.epoch});
      },
      [self](stop_atom) { self->quit(); },
  };
}

}  // namespace

caf::actor spawn_telegram_sender(caf::actor_system& sys,
                                 std::shared_ptr<notify::TelegramClient> client,
                                 caf::actor notifier) {
  // Detached: a send blocks on the network for up to its time-out.
  return sys.spawn<caf::detached>(sender, std::move(client), std::move(notifier));
}

}  // namespace catalog::actors
