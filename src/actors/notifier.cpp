#include "actors/notifier.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <deque>
#include <random>

#include "actors/projector.hpp"
#include "cluster/node_state.hpp"
#include "db/sqlite.hpp"
#include "db/writer.hpp"
#include "events/event_store.hpp"
#include "notify/checkpoint.hpp"
#include "notify/message.hpp"
#include "notify/telegram_client.hpp"

namespace catalog::actors {

using notify::read_checkpoint;
using notify::write_checkpoint;

namespace {
using retry_atom = caf::atom_constant<caf::atom("nretry")>;
}  // namespace

struct NotifierState {
  NotifierState(const NotifierSettings& s, metrics::Metrics& m)
      : settings(s),
        writer(s.database_path, false, false),
        client(s.api_base, s.bot_token, s.send_timeout),
        metrics(m) {}

  NotifierSettings settings;
  db::Writer writer;
  notify::TelegramClient client;
  metrics::Metrics& metrics;
  int64_t checkpoint = 0;
  // A cluster node: the connection to the shared checkpoint, and whether the notifier has
  // been holding back (not the writer, or its lease not fresh).
  std::unique_ptr<pg::Connection> shared;
  bool paused = true;
  bool started = false;  // the shared checkpoint exists (set at the head when it did not)
  std::deque<events::RecordedEvent> queue;  // read from the log, not yet delivered
  int attempts = 0;                         // failed sends of queue.front()
  bool waiting = false;                     // a retry is scheduled: wake-ups change nothing
  // Set while a wake-up from a commit is in the mailbox (see make_waker).
  std::shared_ptr<std::atomic<bool>> woken = std::make_shared<std::atomic<bool>>(false);
  std::mt19937_64 random{std::random_device{}()};
};

namespace {

pg::Connection& shared(NotifierState& s) {
  if (!s.shared || !s.shared->ok())
    s.shared = std::make_unique<pg::Connection>(
        pg::ConnectOptions{*s.settings.postgres_url, "catalog-notifier"});
  return *s.shared;
}

// A cluster's first notifier starts at the head of the shared log as it is when the node
// starts, like a single node's: switching notifications on does not send the history.
void start_shared_checkpoint(NotifierState& s) {
  if (s.started) return;
  auto& db = shared(s);
  auto head = db.exec("SELECT coalesce(max(position), 0) FROM events").int64(0, 0);
  notify::start_checkpoint(db, head);
  s.started = true;
}

}  // namespace

std::shared_ptr<NotifierState> open_notifier(const NotifierSettings& settings,
                                             metrics::Metrics& metrics) {
  auto s = std::make_shared<NotifierState>(settings, metrics);
  if (settings.node) {
    try {
      start_shared_checkpoint(*s);
    } catch (const std::exception& ex) {
      spdlog::warn("notifier: cannot read its checkpoint yet: {}", ex.what());
    }
    spdlog::info("notifier: sends while this node is the writer, to {}", s->client.redacted_url());
    return s;
  }
  s->paused = false;
  s->checkpoint = read_checkpoint(s->writer.get());
  if (s->checkpoint < 0) {
    s->checkpoint = events::EventStore(s->writer.get()).head().position;
    write_checkpoint(s->writer.get(), s->checkpoint);
    spdlog::info("notifier: first start, messages begin after position {}", s->checkpoint);
  } else {
    spdlog::info("notifier: resuming after position {}", s->checkpoint);
  }
  spdlog::info("notifier: sending to {}", s->client.redacted_url());
  return s;
}

namespace {

using NotifierActor = caf::stateful_actor<std::shared_ptr<NotifierState>>;

// Full jitter over a doubling, capped back-off: clients that failed together do not all
// come back at the same moment.
std::chrono::milliseconds backoff(NotifierState& s) {
  auto cap = s.settings.max_backoff.count();
  auto ceiling = s.settings.first_backoff.count() << std::min(s.attempts - 1, 20);
  ceiling = std::min<int64_t>(ceiling, cap);
  std::uniform_int_distribution<int64_t> pick(ceiling / 2, std::max<int64_t>(ceiling, 1));
  return std::chrono::milliseconds(pick(s.random));
}

void retry_later(NotifierActor* self, std::chrono::milliseconds delay) {
  self->state->waiting = true;
  self->delayed_send(self, delay, retry_atom::value);
}

// On a cluster: true while this node may send. After a pause the checkpoint is read again:
// another writer may have moved it meanwhile.
bool may_send(NotifierActor* self) {
  auto& s = *self->state;
  if (!s.settings.node) return true;
  if (!s.settings.node->lease_fresh(std::chrono::seconds(2))) {
    s.paused = true;
    retry_later(self, std::chrono::milliseconds(500));
    return false;
  }
  if (s.paused) {
    start_shared_checkpoint(s);
    s.checkpoint = notify::read_checkpoint(shared(s));
    s.queue.clear();
    s.attempts = 0;
    s.paused = false;
    spdlog::info("notifier: this node is the writer: messages resume after position {}",
                 s.checkpoint);
  }
  return true;
}

void delivered(NotifierState& s) {
  s.checkpoint = s.queue.front().position;
  if (s.settings.node) {
    write_checkpoint(shared(s), s.checkpoint);
  } else {
    write_checkpoint(s.writer.get(), s.checkpoint);
  }
  s.queue.pop_front();
  s.attempts = 0;
}

// Sends the next message the log holds after the checkpoint, and asks for the one after
// it through the mailbox, so a stop is never stuck behind a long backlog.
void pump(NotifierActor* self) {
  auto& s = *self->state;
  if (s.waiting) return;
  try {
    if (!may_send(self)) return;
    {
      events::EventStore store(s.writer.get());
      if (s.queue.empty()) {
        for (auto& e : store.read_after(s.checkpoint, 100))
          s.queue.push_back(std::move(e));
        if (s.queue.empty()) return;
      }
      const auto& event = s.queue.front();
      auto result = s.client.send_message(s.settings.chat_id, notify::message_for(event, store));
      using Kind = notify::SendResult::Kind;
      if (result.kind == Kind::sent) {
        s.metrics.notification_sent();
        delivered(s);
        return self->send(self, wake_atom::value);
      }
      if (result.kind == Kind::permanent) {
        // Resending cannot help (a bad chat id or token): skipped, so the queue moves on.
        spdlog::error("notifier: Telegram refused the message of event {} ({} {}); skipped",
                      event.position, result.status, result.description);
        s.metrics.notification_failed();
        delivered(s);
        return self->send(self, wake_atom::value);
      }
      ++s.attempts;
      s.metrics.notification_retried();
      auto delay = result.kind == Kind::rate_limited ? result.retry_after : backoff(s);
      if (s.attempts == 1 || s.attempts % 10 == 0) {
        spdlog::warn("notifier: event {} not delivered ({}{}), attempt {}, retrying in {} ms",
                     event.position, result.status ? std::to_string(result.status) + " " : "",
                     result.description, s.attempts, delay.count());
      }
      return retry_later(self, delay);
    }
  } catch (const std::exception& ex) {
    // The database, not Telegram: try again in a while, from the same checkpoint.
    ++s.attempts;
    spdlog::error("notifier: {}", ex.what());
    s.writer.recover();
    s.shared.reset();
    retry_later(self, backoff(s));
  }
}

caf::behavior notifier(NotifierActor* self, std::shared_ptr<NotifierState> state) {
  self->state = std::move(state);
  self->send(self, wake_atom::value);  // whatever waited while the service was down
  return {
      [self](wake_atom) {
        self->state->woken->store(false);
        pump(self);
      },
      [self](retry_atom) {
        self->state->waiting = false;
        pump(self);
      },
      [self](stop_atom) { self->quit(); },
  };
}

}  // namespace

caf::actor spawn_notifier(caf::actor_system& sys, std::shared_ptr<NotifierState> state) {
  // Detached: a send blocks on the network for up to its time-out.
  return sys.spawn<caf::detached>(notifier, std::move(state));
}

std::function<void()> make_waker(const caf::actor& notifier,
                                 const std::shared_ptr<NotifierState>& state) {
  return [notifier, woken = state->woken] {
    if (!woken->exchange(true)) caf::anon_send(notifier, wake_atom::value);
  };
}

}  // namespace catalog::actors
