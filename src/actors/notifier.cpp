#include "actors/notifier.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <nlohmann/json.hpp>

#include "actors/bot_poller.hpp"
#include "actors/projector.hpp"
#include "actors/telegram_sender.hpp"
#include "cluster/node_state.hpp"
#include "db/writer.hpp"
#include "events/event_store.hpp"
#include "notify/checkpoint.hpp"
#include "notify/telegram_client.hpp"
#include "subscribers/desk.hpp"

namespace catalog::actors {

namespace {
using tick_atom = caf::atom_constant<caf::atom("ntick")>;
using Clock = std::chrono::steady_clock;
using subscribers::Outcome;

constexpr int64_t read_chunk = 500;
constexpr auto metrics_every = std::chrono::seconds(1);
constexpr auto sweep_every = std::chrono::seconds(10);
}  // namespace

struct NotifierState {
  NotifierState(const NotifierSettings& s, metrics::Metrics& m)
      : settings(s), writer(s.database_path, false, false), metrics(m) {
    for (int i = 0; i <= s.senders; ++i)
      clients.push_back(
          std::make_shared<notify::TelegramClient>(s.api_base, s.bot_token, s.send_timeout));
  }

  NotifierSettings settings;
  db::Writer writer;
  metrics::Metrics& metrics;
  // clients[0] is the poller's; the others the senders'.
  std::vector<std::shared_ptr<notify::TelegramClient>> clients;
  caf::actor poller;
  std::vector<caf::actor> senders;
  std::vector<caf::actor> idle;
  // A cluster node: the connection to the shared subscribers, and whether the notifier has
  // been holding back (not the writer, or its lease not fresh).
  std::unique_ptr<pg::Connection> shared;
  bool paused = true;
  // Loaded while this node serves the subscribers; dropped on a pause or a database error,
  // and loaded again from the store.
  std::unique_ptr<subscribers::SubscriberStore> store;
  std::unique_ptr<subscribers::Desk> desk;
  uint64_t epoch = 0;    // bumped at each load: answers to older deliveries are ignored
  int64_t offset = 0;    // the next getUpdates offset
  bool polling = false;  // the poller has a request of ours
  std::optional<std::string> username;
  int failures = 0;  // database failures in a row
  Clock::time_point timer = Clock::time_point::max();
  Clock::time_point last_metrics{};
  Clock::time_point last_sweep = Clock::now();
};

namespace {

using NotifierActor = caf::stateful_actor<std::shared_ptr<NotifierState>>;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

pg::Connection& shared(NotifierState& s) {
  if (!s.shared || !s.shared->ok())
    s.shared = std::make_unique<pg::Connection>(
        pg::ConnectOptions{*s.settings.postgres_url, "catalog-notifier"});
  return *s.shared;
}

std::optional<subscribers::ChatId> configured_chat(const NotifierSettings& s) {
  if (!s.chat_id) return std::nullopt;
  int64_t chat = 0;
  auto [end, ec] = std::from_chars(s.chat_id->data(), s.chat_id->data() + s.chat_id->size(), chat);
  if (ec != std::errc() || end != s.chat_id->data() + s.chat_id->size()) return std::nullopt;
  return chat;
}

int64_t log_head(NotifierState& s) {
  return events::EventStore(s.writer.get()).head().position;
}

// Where TELEGRAM_USER_ID starts when it is not a subscriber yet: where the single-chat
// notifier of earlier versions stopped, else where the log stood when this notifier (on a
// cluster, the first node's) started: switching notifications on sends no history. The
// checkpoint then moves to the head, so a chat configured later starts there.
int64_t first_position(NotifierState& s, int64_t head) {
  if (s.settings.node) {
    int64_t checkpoint = notify::read_checkpoint(shared(s));
    notify::write_checkpoint(shared(s), head);
    return checkpoint >= 0 ? std::min(checkpoint, head) : head;
  }
  int64_t checkpoint = notify::read_checkpoint(s.writer.get());
  notify::write_checkpoint(s.writer.get(), std::max(checkpoint, head));
  return checkpoint >= 0 ? std::min(checkpoint, head) : head;
}

// The checkpoint of a notifier that never ran here is the head of the log now.
void start_checkpoint(NotifierState& s) {
  if (s.settings.node) {
    auto& db = shared(s);
    notify::start_checkpoint(db,
                             db.exec("SELECT coalesce(max(position), 0) FROM events").int64(0, 0));
  } else if (notify::read_checkpoint(s.writer.get()) < 0) {
    notify::write_checkpoint(s.writer.get(), log_head(s));
  }
}

void publish_metrics(NotifierState& s) {
  s.last_metrics = Clock::now();
  s.metrics.subscribers.store(s.desk ? static_cast<int64_t>(s.desk->subscribers()) : -1);
  s.metrics.subscriber_lag.store(s.desk ? static_cast<int64_t>(s.desk->largest_pending()) : -1);
}

// One request at a time: the poller answers each with BotMessages, or retries on its own.
void ask_poller(NotifierActor* self) {
  auto& s = *self->state;
  if (s.polling) return;
  s.polling = true;
  caf::anon_send(s.poller, poll_atom::value, s.offset, !s.settings.webhook);
}

void load(NotifierActor* self) {
  auto& s = *self->state;
  s.store = s.settings.node ? subscribers::postgres_subscriber_store(shared(s))
                            : subscribers::sqlite_subscriber_store(s.writer.get());
  auto now = Clock::now();
  auto desk = std::make_unique<subscribers::Desk>(
      *s.store,
      subscribers::OutboxLimits{s.settings.chat_rate, s.settings.global_rate,
                                s.settings.first_backoff, s.settings.max_backoff, 4096},
      now);
  int64_t head = log_head(s);
  int64_t since = first_position(s, head);
  if (auto chat = configured_chat(s.settings)) desk->subscribe(*chat, since, now_ms(), now);
  if (s.username) desk->set_bot_username(*s.username);
  int64_t from = desk->start(head);
  s.offset = s.store->bot_value("updates_offset").value_or(0);
  spdlog::info("notifier: {} subscriber(s), reading the log after position {}", desk->subscribers(),
               from);
  s.desk = std::move(desk);
  ++s.epoch;
  ask_poller(self);
  publish_metrics(s);
}

void unload(NotifierState& s) {
  s.desk.reset();
  s.store.reset();
}

// True while this node serves the subscribers: always on a single node, on a cluster while
// it is the writer with a fresh lease. Loads them when it starts to.
bool serving(NotifierActor* self) {
  auto& s = *self->state;
  if (s.settings.node && !s.settings.node->lease_fresh(std::chrono::seconds(2))) {
    if (!s.paused) spdlog::info("notifier: this node is not the writer: holding back");
    s.paused = true;
    unload(s);
    self->delayed_send(self, std::chrono::milliseconds(500), tick_atom::value);
    return false;
  }
  s.paused = false;
  if (!s.desk) load(self);
  return true;
}

void schedule(NotifierActor* self, Clock::time_point at) {
  auto& s = *self->state;
  auto now = Clock::now();
  if (at == Clock::time_point::max() || (s.timer > now && s.timer <= at)) return;
  s.timer = at;
  self->delayed_send(self, std::max(at - now, Clock::duration::zero()), tick_atom::value);
}

void housekeeping(NotifierState& s) {
  auto now = Clock::now();
  if (now - s.last_sweep >= sweep_every) {
    s.last_sweep = now;
    s.desk->sweep();
  }
  if (now - s.last_metrics >= metrics_every) publish_metrics(s);
}

// Hands out what may go now to the free senders, and asks to be called again when the next
// message may go.
void dispatch(NotifierActor* self) {
  auto& s = *self->state;
  if (!s.desk) return;
  auto wake = Clock::time_point::max();
  while (!s.idle.empty()) {
    auto d = s.desk->next(Clock::now(), wake);
    if (!d) break;
    self->send(s.idle.back(), SendJob{std::move(*d), s.epoch});
    s.idle.pop_back();
  }
  schedule(self, wake);
  housekeeping(s);
}

void failed(NotifierActor* self, const std::exception& ex) {
  // The database, not Telegram: load again from the store in a while.
  auto& s = *self->state;
  ++s.failures;
  spdlog::error("notifier: {}", ex.what());
  unload(s);
  s.writer.recover();
  s.shared.reset();
  auto delay = std::min(s.settings.first_backoff * (1 << std::min(s.failures - 1, 7)),
                        s.settings.max_backoff);
  self->delayed_send(self, delay, tick_atom::value);
}

// Routes what the log holds past the desk, hands out what may go, and asks to be called again
// for more of the log (through the mailbox, so a stop is never stuck behind a long backlog).
void pump(NotifierActor* self) {
  auto& s = *self->state;
  try {
    if (!serving(self)) return;
    bool more = false;
    {
      events::EventStore log(s.writer.get());
      auto batch = log.read_after(s.desk->routed_to(), read_chunk);
      for (const auto& e : batch) {
        auto cost = s.desk->route(e, log);
        s.metrics.change_routed(cost.route, cost.render);
      }
      more = static_cast<int64_t>(batch.size()) == read_chunk;
    }
    dispatch(self);
    s.failures = 0;
    if (more) self->send(self, wake_atom::value);
  } catch (const std::exception& ex) {
    failed(self, ex);
  }
}

Outcome outcome_of(const notify::SendResult& r) {
  using Kind = notify::SendResult::Kind;
  switch (r.kind) {
    case Kind::sent:
      return Outcome::sent;
    case Kind::rate_limited:
      return Outcome::rate_limited;
    case Kind::transient:
      return Outcome::transient;
    case Kind::permanent:
      break;
  }
  // The bot was blocked, or the chat no longer exists: nothing will ever reach it.
  if (r.status == 403 ||
      (r.status == 400 && r.description.find("chat not found") != std::string::npos))
    return Outcome::gone;
  return Outcome::refused;
}

void sent(NotifierActor* self, SendDone& done) {
  auto& s = *self->state;
  s.idle.push_back(done.sender);
  if (!s.desk) return;
  if (done.epoch != s.epoch) {
    // Delivered for subscribers loaded before: its chat's position was read again since.
    try {
      dispatch(self);
    } catch (const std::exception& ex) {
      failed(self, ex);
    }
    return;
  }
  const auto& d = done.delivery;
  const auto& r = done.result;
  auto outcome = outcome_of(r);
  if (outcome == Outcome::sent) {
    s.metrics.notification_sent();
  } else {
    s.metrics.notification_failed(r.status,
                                  outcome == Outcome::gone || outcome == Outcome::refused);
  }
  std::string status = r.status ? std::to_string(r.status) + " " : "";
  switch (outcome) {
    case Outcome::sent:
      break;
    case Outcome::rate_limited:
    case Outcome::transient:
      spdlog::warn("notifier: message to chat {} not delivered ({}{}), retrying later", d.chat,
                   status, r.description);
      break;
    case Outcome::gone:
      spdlog::info("notifier: chat {} is gone ({}{}): unsubscribed and forgotten", d.chat, status,
                   r.description);
      break;
    case Outcome::refused:
      spdlog::error("notifier: Telegram refused the message to chat {} ({}{}); skipped", d.chat,
                    status, r.description);
      break;
  }
  try {
    s.desk->done(d, outcome, Clock::now(), r.retry_after);
    dispatch(self);
  } catch (const std::exception& ex) {
    failed(self, ex);
  }
}

void handle_message(NotifierState& s, const notify::IncomingMessage& m) {
  // Commands are read in private chats only: in a group, every member would be one chat.
  if (m.chat_type != "private" && !m.chat_type.empty()) return;
  auto lookup = subscribers::read_model_lookup(s.writer.get());
  s.desk->handle(m, *lookup, log_head(s), now_ms(), Clock::now());
}

// Updates already handled (a webhook's delivery repeated, a poll after a crash) are skipped
// by their id; the offset is stored after the updates are handled, so none is lost.
void take_updates(NotifierState& s, const std::vector<notify::BotUpdate>& updates,
                  int64_t next_offset) {
  for (const auto& u : updates) {
    if (u.update_id < s.offset) continue;
    if (u.message) handle_message(s, *u.message);
    next_offset = std::max(next_offset, u.update_id + 1);
  }
  if (next_offset > s.offset) {
    s.store->set_bot_value("updates_offset", next_offset);
    s.offset = next_offset;
  }
  publish_metrics(s);
}

void bot_messages(NotifierActor* self, BotMessages& m) {
  auto& s = *self->state;
  s.polling = false;
  if (m.username && m.username != s.username) {
    s.username = m.username;
    spdlog::info("bot: answering as @{}", *s.username);
    if (s.desk) s.desk->set_bot_username(*s.username);
  }
  if (!s.desk) return;  // held back: asked again when it serves
  try {
    take_updates(s, m.updates, m.next_offset);
  } catch (const std::exception& ex) {
    return failed(self, ex);
  }
  if (!s.settings.webhook) ask_poller(self);
  dispatch(self);
}

caf::behavior notifier(NotifierActor* self, std::shared_ptr<NotifierState> state) {
  self->state = std::move(state);
  auto& s = *self->state;
  auto me = caf::actor_cast<caf::actor>(self);
  s.poller = spawn_bot_poller(self->system(), s.clients[0], me,
                              PollerSettings{s.settings.poll_wait_seconds, s.settings.first_backoff,
                                             std::chrono::seconds(30)});
  for (size_t i = 1; i < s.clients.size(); ++i)
    s.senders.push_back(spawn_telegram_sender(self->system(), s.clients[i], me));
  s.idle = s.senders;
  self->send(self, wake_atom::value);  // whatever waited while the service was down
  return {
      [self](wake_atom) { pump(self); },
      [self](tick_atom) {
        self->state->timer = Clock::time_point::max();
        pump(self);  // also after a pause or a failure: it loads the subscribers again
      },
      [self](SendDone& done) { sent(self, done); },
      [self](BotMessages& m) { bot_messages(self, m); },
      [self](WebhookUpdate& w) {
        auto& s = *self->state;
        if (!serving(self)) return w.answer(false);
        try {
          take_updates(s, {w.update}, 0);
        } catch (const std::exception& ex) {
          w.answer(false);
          return failed(self, ex);
        }
        w.answer(true);
        dispatch(self);
      },
      [self](ListSubscribers& q) {
        if (!serving(self)) return q.answer(std::nullopt);
        q.answer(self->state->desk->listing().dump());
      },
      [self](EraseSubscriber& q) {
        auto& s = *self->state;
        if (!serving(self)) return q.answer(std::nullopt);
        try {
          bool erased = s.desk->erase(q.chat);
          publish_metrics(s);
          q.answer(erased);
        } catch (const std::exception& ex) {
          q.answer(std::nullopt);
          failed(self, ex);
        }
      },
      [self](stop_atom) {
        auto& s = *self->state;
        try {
          if (s.desk) s.desk->sweep();
        } catch (const std::exception& ex) {
          spdlog::warn("notifier: positions not stored at stop: {}", ex.what());
        }
        caf::anon_send(s.poller, stop_atom::value);
        for (const auto& sender : s.senders)
          caf::anon_send(sender, stop_atom::value);
        self->quit();
      },
  };
}

}  // namespace

std::shared_ptr<NotifierState> open_notifier(const NotifierSettings& settings,
                                             metrics::Metrics& metrics) {
  auto s = std::make_shared<NotifierState>(settings, metrics);
  try {
    start_checkpoint(*s);
  } catch (const std::exception& ex) {
    // A cluster node whose database is away: the chat starts where the log is when it is back.
    spdlog::warn("notifier: cannot read its checkpoint yet: {}", ex.what());
  }
  spdlog::info("notifier: sending to {}{}", s->clients[0]->redacted_url(),
               settings.node ? " while this node is the writer" : "");
  return s;
}

caf::actor spawn_notifier(caf::actor_system& sys, std::shared_ptr<NotifierState> state) {
  // Detached: it reads the log and writes the store.
  return sys.spawn<caf::detached>(notifier, std::move(state));
}

void interrupt_notifier(NotifierState& state) {
  for (const auto& client : state.clients)
    client->interrupt();
}

}  // namespace catalog::actors
