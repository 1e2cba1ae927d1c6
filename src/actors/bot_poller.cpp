#include "actors/bot_poller.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "actors/projector.hpp"

namespace catalog::actors {

namespace {

struct PollerState {
  std::shared_ptr<notify::TelegramClient> client;
  caf::actor notifier;
  PollerSettings settings;
  std::optional<std::string> username;
  int failures = 0;
};

using PollerActor = caf::stateful_actor<PollerState>;

std::optional<std::string> ask_username(notify::TelegramClient& client) {
  auto r = client.call("getMe", "{}");
  if (r.kind != notify::SendResult::Kind::sent) {
    spdlog::warn("bot: getMe failed ({}{}): commands addressed as /cmd@BotName wait for it",
                 r.status ? std::to_string(r.status) + " " : "", r.description);
    return std::nullopt;
  }
  auto json = nlohmann::json::parse(r.answer, nullptr, false);
  if (json.is_object() && json.contains("result") && json["result"].is_object() &&
      json["result"].value("username", "") != "")
    return json["result"]["username"].get<std::string>();
  spdlog::warn("bot: getMe answered without a username");
  return std::nullopt;
}

void retry(PollerActor* self, int64_t offset, bool fetch, const std::string& why) {
  auto& s = self->state;
  ++s.failures;
  auto ceiling = s.settings.first_backoff.count() << std::min(s.failures - 1, 16);
  auto delay =
      std::chrono::milliseconds(std::min<int64_t>(ceiling, s.settings.max_backoff.count()));
  if (s.failures == 1 || s.failures % 10 == 0)
    spdlog::warn("bot: getUpdates failed ({}), attempt {}, retrying in {} ms", why, s.failures,
                 delay.count());
  self->delayed_send(self, delay, poll_atom::value, offset, fetch);
}

void poll(PollerActor* self, int64_t offset, bool fetch) {
  auto& s = self->state;
  if (!s.username) s.username = ask_username(*s.client);
  BotMessages out{{}, offset, s.username};
  if (fetch) {
    auto wait = std::chrono::seconds(s.settings.wait_seconds) + std::chrono::seconds(10);
    auto r = s.client->call("getUpdates", notify::get_updates_body(offset, s.settings.wait_seconds),
                            std::chrono::duration_cast<std::chrono::milliseconds>(wait));
    if (r.kind != notify::SendResult::Kind::sent)
      return retry(self, offset, fetch,
                   (r.status ? std::to_string(r.status) + " " : "") + r.description);
    try {
      out.updates = notify::read_updates(r.answer);
    } catch (const std::invalid_argument& ex) {
      return retry(self, offset, fetch, ex.what());
    }
    if (s.failures > 0) spdlog::info("bot: getUpdates answers again");
    s.failures = 0;
    for (const auto& u : out.updates)
      out.next_offset = std::max(out.next_offset, u.update_id + 1);
  }
  self->send(s.notifier, std::move(out));
}

caf::behavior poller(PollerActor* self, std::shared_ptr<notify::TelegramClient> client,
                     caf::actor notifier, PollerSettings settings) {
  self->state.client = std::move(client);
  self->state.notifier = std::move(notifier);
  self->state.settings = settings;
  return {
      [self](poll_atom, int64_t offset, bool fetch) { poll(self, offset, fetch); },
      [self](stop_atom) { self->quit(); },
  };
}

}  // namespace

caf::actor spawn_bot_poller(caf::actor_system& sys, std::shared_ptr<notify::TelegramClient> client,
                            caf::actor notifier, PollerSettings settings) {
  // Detached: a long poll blocks for up to its time-out.
  return sys.spawn<caf::detached>(poller, std::move(client), std::move(notifier), settings);
}

}  // namespace catalog::actors
