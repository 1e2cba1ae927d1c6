#include "actors/catalog.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "actors/fault_log.hpp"
#include "actors/live_hub.hpp"
#include "db/sqlite.hpp"
#include "db/writer.hpp"
#include "events/decide.hpp"
#include "events/event_store.hpp"
#include "events/hash_chain.hpp"
#include "events/write_model.hpp"

namespace catalog::actors {

using flush_atom = caf::atom_constant<caf::atom("flush")>;

using events::DomainError;

struct CatalogState {
  CatalogState(const std::string& path, bool sql_echo) : writer(path, true, sql_echo) {}

  db::Writer writer;
  events::EventStore store() { return events::EventStore(writer.get()); }
  events::WriteModel model;
  events::Head head{0, std::string(events::genesis_hash)};  // the last committed event
  metrics::Metrics* metrics = nullptr;
  FaultLog commit_faults{"catalog: cannot append to the event log; writes are answered 503"};
  events::Millis last_recorded_at = 0;

  // The batch being gathered: decided events not yet committed, and every command's
  // answer, in arrival order.
  bool batch_open = false;
  std::vector<events::RecordedEvent> pending_events;
  std::vector<AnsweredCommand> pending_answers;
};

namespace {

// Folds events that are in the log but not yet in the write model: the whole log at start,
// and whatever another writer appended when a commit finds the head moved.
void catch_up(CatalogState& s) {
  s.store().for_each_after(s.head.position, [&s](const events::RecordedEvent& e) {
    s.model.apply(events::from_json(e.type, nlohmann::json::parse(e.data)), e.recorded_at);
    s.last_recorded_at = std::max(s.last_recorded_at, e.recorded_at);
    s.head = events::Head{e.position, e.hash};
  });
}

void decide_one(CatalogState& s, CommandRequest& req) {
  auto decision = events::decide(s.model, req.command);
  if (auto* err = std::get_if<DomainError>(&decision)) {
    s.pending_answers.push_back({std::move(req.reply), std::move(*err)});
    return;
  }
  auto& decided = std::get<std::vector<events::Event>>(decision);
  // Event time never runs backwards in the log, even if the wall clock does.
  events::Millis now = std::max(events::now_millis(), s.last_recorded_at);
  s.last_recorded_at = now;
  for (const auto& e : decided) {
    events::RecordedEvent rec;
    rec.stream = events::stream_name(e);
    rec.version = s.model.next_version(events::resource_of(e), events::entity_id(e));
    rec.type = events::type_name(e);
    rec.data = events::to_json(e).dump();
    rec.recorded_at = now;
    // Applied at once, so that later commands of the same batch see this one.
    s.model.apply(e, now);
    s.pending_events.push_back(std::move(rec));
  }
  s.pending_answers.push_back(
      {std::move(req.reply), events::outcome_of(s.model, req.command, decided)});
}

// Undoes the batch's decided events in the write model and turns every answer gathered so
// far into `error`. The batch stays open for the commands still to come.
void fail_batch(CatalogState& s, const DomainError& error) {
  s.model.rollback_batch();
  s.model.begin_batch();
  for (auto& a : s.pending_answers)
    a.outcome = error;
  s.pending_events.clear();
}

// Commits the gathered batch in one transaction. Positions and hashes are given here, at
// the head the log really has, not when the commands were decided.
void commit(CatalogState& s) {
  if (s.pending_events.empty()) return;
  // While the log refuses writes, each attempt starts on a fresh connection if the old one
  // is read-only: the file may be writable again by now.
  if (s.commit_faults.failing()) s.writer.recover();
  auto store = s.store();
  db::Transaction txn(s.writer.get());
  events::Head head = store.head();
  if (head.position != s.head.position)
    throw std::runtime_error("the event log was written by another process (head " +
                             std::to_string(head.position) + ", expected " +
                             std::to_string(s.head.position) + ")");
  for (auto& rec : s.pending_events) {
    rec.position = ++head.position;
    rec.hash = events::chain_hash(head.hash, rec);
    head.hash = rec.hash;
    store.append(rec);
  }
  txn.commit();
  s.head = std::move(head);
}

using CatalogActor = caf::stateful_actor<std::shared_ptr<CatalogState>>;

// Commits the open batch, if any, and hands it to the projector, which answers it.
void flush(CatalogActor* self, const caf::actor& projector, const caf::actor& hub) {
  auto& s = *self->state;
  if (!s.batch_open) return;
  s.batch_open = false;
  try {
    commit(s);
    if (!s.pending_events.empty()) s.commit_faults.succeeded();
    if (s.metrics) s.metrics->batch_committed(s.pending_answers.size(), s.pending_events.size());
  } catch (const std::exception& ex) {
    if (s.metrics) s.metrics->commit_failed();
    s.commit_faults.failed(ex.what());
    fail_batch(s, DomainError{DomainError::Kind::unavailable,
                              "the change could not be recorded: the event log is not "
                              "writable right now; nothing was changed"});
    try {
      catch_up(s);
    } catch (const std::exception& again) {
      spdlog::error("catalog: cannot read the event log: {}", again.what());
    }
  }
  s.model.commit_batch();
  auto committed =
      std::make_shared<const std::vector<events::RecordedEvent>>(std::move(s.pending_events));
  s.pending_events.clear();
  if (!committed->empty()) self->send(hub, Published{committed});
  self->send(projector, ProjectBatch{std::move(committed), std::move(s.pending_answers)});
  s.pending_answers.clear();
}

caf::behavior catalog(CatalogActor* self, std::shared_ptr<CatalogState> state, caf::actor projector,
                      caf::actor hub) {
  self->state = std::move(state);
  return {
      [self](CommandRequest& req) {
        auto& s = *self->state;
        if (!s.batch_open) {
          s.batch_open = true;
          s.model.begin_batch();
          // Queued behind the commands already in the mailbox: they all join this batch.
          self->send(self, flush_atom::value);
        }
        size_t answered = s.pending_answers.size();
        try {
          decide_one(s, req);
        } catch (const std::exception& ex) {
          // The write model and an event disagree: a bug. The whole batch is undone, since
          // the partly applied command may have touched what others decided against.
          spdlog::critical("catalog: deciding a command failed: {}", ex.what());
          if (s.pending_answers.size() == answered)
            s.pending_answers.push_back({std::move(req.reply), DomainError{}});
          fail_batch(s, DomainError{DomainError::Kind::internal, "internal error"});
        }
      },
      [self, projector, hub](flush_atom) { flush(self, projector, hub); },
      [self, projector, hub](stop_atom) {
        // Queued behind every command the server sent: answer them all, then stop the
        // projector and the hub behind their batch, so nothing decided is left unanswered.
        flush(self, projector, hub);
        self->send(projector, stop_atom::value);
        self->send(hub, stop_atom::value);
        self->quit();
      },
  };
}

}  // namespace

std::shared_ptr<CatalogState> open_catalog(const std::string& path, bool sql_echo) {
  auto s = std::make_shared<CatalogState>(path, sql_echo);
  catch_up(*s);
  return s;
}

caf::actor spawn_catalog(caf::actor_system& sys, std::shared_ptr<CatalogState> state,
                         caf::actor projector, caf::actor hub, metrics::Metrics& metrics) {
  state->metrics = &metrics;
  // Detached: commits block on fsync and must not hold a scheduler thread.
  return sys.spawn<caf::detached>(catalog, std::move(state), std::move(projector), std::move(hub));
}

}  // namespace catalog::actors
