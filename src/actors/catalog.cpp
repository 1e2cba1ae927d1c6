#include "actors/catalog.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "actors/catalog_state.hpp"
#include "cluster/bulk_catch_up.hpp"
#include "db/sqlite.hpp"
#include "events/decide.hpp"
#include "events/event_store.hpp"
#include "events/store/sqlite_log.hpp"
#include "events/write_model_snapshot.hpp"
#include "pg/connection.hpp"

namespace catalog::actors {

using flush_atom = caf::atom_constant<caf::atom("flush")>;

using events::DomainError;

void CatalogState::fold(const events::RecordedEvent& e) {
  model.apply(events::from_json(e.type, nlohmann::json::parse(e.data)), e.recorded_at);
  last_recorded_at = std::max(last_recorded_at, e.recorded_at);
  head = events::Head{e.position, e.hash};
}

bool CatalogState::purge_due() {
  auto now = std::chrono::steady_clock::now();
  if (now < next_purge) return false;
  next_purge = now + std::chrono::hours(1);
  return true;
}

// One that failed is tried again only after as many more events.
void CatalogState::snapshot_in_background() {
  if (auto saved = background.collect()) snapshot_position = std::max(snapshot_position, *saved);
  if (snapshot_every <= 0 || snapshot_file.empty() || background.running()) return;
  if (head.position - std::max(snapshot_position, snapshot_tried) < snapshot_every) return;
  snapshot_tried = head.position;
  // The copy is the only part that holds up the commands: it is logged with the save.
  auto copying = std::chrono::steady_clock::now();
  auto copy = model.clone();
  background.start(snapshot_file, std::move(copy), head, last_recorded_at,
                   std::chrono::steady_clock::now() - copying);
}

namespace {

using Kind = DomainError::Kind;

// Folds events that are in the log but not yet in the write model: whatever another
// process appended, when a commit finds the head moved.
void catch_up(CatalogState& s) {
  s.log->for_each_after(s.head.position, [&s](const events::RecordedEvent& e) { s.fold(e); });
}

// Starts the write model from its snapshot, if there is one the log confirms; the events
// after it are folded by catch_up() as any others. `hash_at` reads the log it must match.
void start_from_snapshot(CatalogState& s, const events::HashAt& hash_at) {
  auto started = std::chrono::steady_clock::now();
  std::string why;
  auto snapshot = events::load_snapshot(s.snapshot_file, hash_at, why);
  if (!snapshot) {
    if (!why.empty())
      spdlog::warn("catalog: the write model snapshot {} is not used: {}; folding the whole log",
                   s.snapshot_file, why);
    return;
  }
  s.model = std::move(snapshot->model);
  s.head = snapshot->head;
  s.snapshot_position = s.head.position;
  s.last_recorded_at = snapshot->last_recorded_at;
  spdlog::info("catalog: write model loaded from {} at position {} in {:.2f} s", s.snapshot_file,
               s.head.position,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

// A stop saves the model for the next start. A failure costs only that start's time.
void save_at_stop(CatalogState& s) {
  // The one being written goes first: both write the same temporary file.
  s.background.wait();
  if (auto saved = s.background.collect())
    s.snapshot_position = std::max(s.snapshot_position, *saved);
  if (s.snapshot_file.empty() || s.head.position == 0 || s.head.position == s.snapshot_position)
    return;
  auto started = std::chrono::steady_clock::now();
  try {
    events::save_snapshot(s.snapshot_file, s.model, s.head, s.last_recorded_at);
    s.snapshot_position = s.head.position;
    spdlog::info("catalog: write model saved to {} at position {} in {:.2f} s", s.snapshot_file,
                 s.head.position,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  } catch (const std::exception& ex) {
    spdlog::warn("catalog: {}; the next start folds the log", ex.what());
  }
}

void decide_one(CatalogState& s, CommandRequest& req) {
  auto decision = events::decide(s.model, req.command);
  events::Outcome outcome;
  if (auto* err = std::get_if<DomainError>(&decision)) {
    outcome = std::move(*err);
  } else {
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
    outcome = events::outcome_of(s.model, req.command, decided);
  }
  // The reply moves last: a command that throws above is still answered by the caller.
  s.decided.push_back(Decided{std::move(req.reply), std::move(outcome), s.pending_events.size(),
                              std::move(req.idempotency)});
}

// A decision a client may be given again for its key: not a failure to decide.
bool worth_keeping(const events::Outcome& o) {
  const auto* e = std::get_if<DomainError>(&o);
  return !e || e->kind == Kind::not_found || e->kind == Kind::conflict ||
         e->kind == Kind::invalid_reference || e->kind == Kind::precondition_failed;
}

bool key_reused(const events::Outcome& o) {
  const auto* e = std::get_if<DomainError>(&o);
  return e && e->kind == Kind::key_reused;
}

// The position a command's answer names: its last event's, or the head it was decided at.
int64_t position_of(const CatalogState& s, const Decided& d) {
  return d.events_end == 0 ? s.head.position : s.pending_events[d.events_end - 1].position;
}

// Undoes the batch's decided events in the write model and turns every answer decided now
// into `error`; answers kept from earlier batches stand.
void fail_batch(CatalogState& s, const DomainError& error) {
  s.model.rollback_batch();
  s.model.begin_batch();
  for (auto& d : s.decided) {
    if (d.kept_before) continue;
    d.outcome = error;
    d.kept.reset();
    d.events_end = 0;
  }
  s.pending_events.clear();
}

// Commits the batch in one transaction: its events and the answers to its keyed commands.
// Positions and hashes are given here, at the head the log really has, not when the
// commands were decided.
void commit(CatalogState& s) {
  events::Head head = s.head;
  for (auto& rec : s.pending_events) {
    rec.position = ++head.position;
    rec.hash = events::chain_hash(head.hash, rec);
    head.hash = rec.hash;
  }
  std::vector<events::KeptAnswer> keep;
  for (auto& d : s.decided) {
    // A repeat in this batch is answered as its first use, whose answer is the one kept.
    if (!d.idempotency || d.kept_before || d.repeat || !worth_keeping(d.outcome)) continue;
    d.kept = d.idempotency->render(d.outcome, position_of(s, d));
    d.kept->key = d.idempotency->key;
    d.kept->fingerprint = d.idempotency->fingerprint;
    keep.push_back(*d.kept);
  }
  if (s.pending_events.empty() && keep.empty()) return;
  // While the log refuses writes, each attempt starts on a fresh connection if that helps
  // (a SQLite file that was read-only may be writable again by now).
  if (s.commit_faults.failing()) s.log->recover();
  s.log->append(s.head, s.pending_events, keep);
  s.head = std::move(head);
  if (s.node) {
    // The append function checked the lock: as good as a ping.
    s.node->saw_head(s.head.position);
    s.node->lease_confirmed();
  }
}

// On SQLite: a failure to forget is only logged; the next hour tries again.
void purge_kept_answers(CatalogState& s) {
  if (!s.purge_due()) return;
  try {
    s.log->forget_old_answers();
  } catch (const std::exception& ex) {
    spdlog::warn("catalog: cannot forget old idempotency keys: {}", ex.what());
  }
}

// Commits what failed to commit, if it can, and says what the clients are told.
DomainError failure(CatalogState& s, const std::exception& ex) {
  if (s.metrics) s.metrics->commit_failed();
  if (s.shared_log) {
    // A writer that lost its place steps down; the tail brings whatever is in the log.
    if (dynamic_cast<const events::store::Fenced*>(&ex)) {
      step_down(s, ex.what(), false);
      return DomainError{Kind::not_writer,
                         "this node is no longer the writer; nothing was changed: retry"};
    }
    bool lost =
        dynamic_cast<const events::store::OutcomeUnknown*>(&ex) || !s.shared_log->connected();
    if (lost) {
      step_down(s, ex.what(), true);
      return DomainError{Kind::outcome_unknown,
                         "the connection to the event log was lost during the commit: the "
                         "change may or may not be recorded; retry with the same "
                         "Idempotency-Key"};
    }
  }
  s.commit_faults.failed(ex.what());
  if (!s.shared_log) {
    try {
      catch_up(s);
    } catch (const std::exception& again) {
      spdlog::error("catalog: cannot read the event log: {}", again.what());
    }
  }
  return DomainError{Kind::unavailable,
                     "the change could not be recorded: the event log is not writable right "
                     "now; nothing was changed"};
}

using KeptByKey = std::unordered_map<std::string, events::KeptAnswer>;

// The answers kept from earlier batches for the keys of these requests: one read for the
// whole batch, however many of its commands carry a key.
KeptByKey kept_answers(CatalogState& s, const std::vector<CommandRequest>& requests) {
  std::vector<std::string> keys;
  for (const auto& r : requests) {
    if (r.idempotency) keys.push_back(r.idempotency->key);
  }
  KeptByKey kept;
  if (keys.empty()) return kept;
  for (auto& a : s.log->find_answers(keys))
    kept.emplace(a.key, std::move(a));
  return kept;
}

// Answers what the keys already answer (an earlier batch's answer, a key reused for another
// request, the same key twice in this batch) and leaves the rest to be decided.
void answer_from_keys(CatalogState& s, std::vector<CommandRequest>& requests, const KeptByKey& kept,
                      std::vector<CommandRequest>& to_decide) {
  std::unordered_map<std::string, std::string> first_use;  // key -> fingerprint
  auto reused = [](const events::IdempotencyRequest& i) {
    return DomainError{Kind::key_reused,
                       "Idempotency-Key " + i.key +
                           " was first sent with another request (method, path or body); "
                           "use a new key for a new request"};
  };
  for (auto& r : requests) {
    if (!r.idempotency) {
      to_decide.push_back(std::move(r));
      continue;
    }
    const auto& i = *r.idempotency;
    if (auto k = kept.find(i.key); k != kept.end()) {
      bool same = k->second.fingerprint == i.fingerprint;
      Decided d{std::move(r.reply), events::Deleted{}, 0, std::move(r.idempotency)};
      if (same) {
        d.kept = k->second;
        d.kept_before = true;
      } else {
        d.outcome = reused(*d.idempotency);
      }
      s.decided.push_back(std::move(d));
      continue;
    }
    auto [at, first] = first_use.emplace(i.key, i.fingerprint);
    if (!first) {
      // One key, one decision: it gets the answer its first use in this batch gets.
      bool same = at->second == i.fingerprint;
      Decided d{std::move(r.reply), events::Deleted{}, 0, std::move(r.idempotency)};
      if (same) {
        d.repeat = true;
      } else {
        d.outcome = reused(*d.idempotency);
      }
      s.decided.push_back(std::move(d));
      continue;
    }
    to_decide.push_back(std::move(r));
  }
}

// Decides the queued commands in arrival order, commits them in one transaction and hands
// the batch to the projector, which answers them once the read model shows it.
void flush(CatalogActor* self, const caf::actor& projector) {
  auto& s = *self->state;
  if (!s.flush_queued) return;
  s.flush_queued = false;
  auto requests = std::move(s.queue);
  s.queue.clear();
  if (requests.empty()) return;
  if (!s.accepts_commands()) {
    for (auto& r : requests)
      r.reply({DomainError{Kind::not_writer, "this node is not the writer; nothing was changed"},
               s.head.position, std::nullopt});
    return;
  }
  KeptByKey kept;
  try {
    kept = kept_answers(s, requests);
  } catch (const std::exception& ex) {
    auto error = failure(s, ex);
    for (auto& r : requests)
      r.reply({error, s.head.position, std::nullopt});
    return;
  }
  std::vector<CommandRequest> to_decide;
  answer_from_keys(s, requests, kept, to_decide);
  s.model.begin_batch();
  try {
    for (auto& req : to_decide) {
      size_t answered = s.decided.size();
      try {
        decide_one(s, req);
      } catch (const std::exception& ex) {
        // The write model and an event disagree: a bug. The whole batch is undone, since
        // the partly applied command may have touched what others decided against.
        spdlog::critical("catalog: deciding a command failed: {}", ex.what());
        if (s.decided.size() == answered)
          s.decided.push_back(Decided{std::move(req.reply), DomainError{}, 0});
        fail_batch(s, DomainError{Kind::internal, "internal error"});
      }
    }
    commit(s);
    if (!s.pending_events.empty()) s.commit_faults.succeeded();
    if (s.metrics) s.metrics->batch_committed(s.decided.size(), s.pending_events.size());
  } catch (const std::exception& ex) {
    fail_batch(s, failure(s, ex));
  }
  s.model.commit_batch();
  if (!s.shared_log) purge_kept_answers(s);

  // A repeated key gets the answer its first use got, decided or refused (but not the 422
  // of another request that reused the key).
  std::unordered_map<std::string, const Decided*> by_key;
  for (const auto& d : s.decided) {
    if (d.idempotency && !d.kept_before && !d.repeat && !key_reused(d.outcome))
      by_key.emplace(d.idempotency->key, &d);
  }
  std::vector<AnsweredCommand> answers;
  answers.reserve(s.decided.size());
  for (auto& d : s.decided) {
    if (d.repeat) {
      // Copied: the repeats were queued before any command was decided, so they come
      // before the first use, whose answer is moved below.
      const Decided& first = *by_key.at(d.idempotency->key);
      int64_t position = first.kept ? first.kept->position : position_of(s, first);
      answers.push_back({std::move(d.reply), {first.outcome, position, first.kept}});
      continue;
    }
    int64_t position = d.kept ? d.kept->position : position_of(s, d);
    answers.push_back({std::move(d.reply), {std::move(d.outcome), position, std::move(d.kept)}});
  }
  auto committed =
      std::make_shared<const std::vector<events::RecordedEvent>>(std::move(s.pending_events));
  s.pending_events.clear();
  s.decided.clear();
  self->send(projector, ProjectBatch{std::move(committed), std::move(answers)});
  s.snapshot_in_background();
}

caf::behavior catalog(CatalogActor* self, std::shared_ptr<CatalogState> state,
                      caf::actor projector) {
  self->state = std::move(state);
  if (self->state->shared_log) start_role(self, projector);
  return {
      [self](CommandRequest& req) {
        auto& s = *self->state;
        s.queue.push_back(std::move(req));
        if (!s.flush_queued) {
          s.flush_queued = true;
          // Queued behind the commands already in the mailbox: they all join this batch.
          self->send(self, flush_atom::value);
        }
      },
      [self, projector](flush_atom) { flush(self, projector); },
      [self, projector](tail_atom) { follow(self, projector); },
      [self, projector](lease_atom) { check_lease(self, projector); },
      [self, projector](stop_atom) {
        // Queued behind every command the server sent: answer them all, then stop the
        // projector (and the hub behind it), so nothing decided is left unanswered.
        flush(self, projector);
        save_at_stop(*self->state);
        self->send(projector, stop_atom::value);
        self->quit();
      },
  };
}

}  // namespace

std::shared_ptr<CatalogState> open_catalog(const std::string& path, bool sql_echo) {
  auto s =
      std::make_shared<CatalogState>(std::make_unique<events::store::SqliteLog>(path, sql_echo));
  s->snapshot_file = events::snapshot_path(path);
  start_from_snapshot(*s, [&s](int64_t position) -> std::optional<std::string> {
    auto at = s->log->read_after(position - 1, 1);
    if (at.empty() || at.front().position != position) return std::nullopt;
    return at.front().hash;
  });
  catch_up(*s);
  return s;
}

std::shared_ptr<CatalogState> open_cluster_catalog(const std::string& read_model_path,
                                                   std::unique_ptr<events::store::PostgresLog> log,
                                                   cluster::NodeState& node,
                                                   std::shared_ptr<std::atomic<bool>> tail_woken,
                                                   std::shared_ptr<cluster::CaughtUp> caught_up) {
  auto* shared = log.get();
  auto s = std::make_shared<CatalogState>(std::move(log));
  s->shared_log = shared;
  s->node = &node;
  s->tail_woken = std::move(tail_woken);
  // The node's own copy of the log, which the projector keeps beside the read tables: the
  // write model starts where the read model is, and the tail goes on from there.
  if (caught_up) {
    s->model = std::move(caught_up->model);
    s->head = caught_up->head;
    s->last_recorded_at = caught_up->last_recorded_at;
  }
  db::Connection local(read_model_path, db::OpenMode::read_only);
  s->snapshot_file = events::snapshot_path(read_model_path);
  // The node's copy of the log confirms the snapshot: a model saved ahead of it (the
  // writer's, before the projector mirrored its last batch) is refused and folded instead.
  if (!caught_up) {
    start_from_snapshot(*s, [&local](int64_t position) -> std::optional<std::string> {
      auto at = events::EventStore(local).read_range(position - 1, position, 1);
      if (at.empty()) return std::nullopt;
      return at.front().hash;
    });
  }
  events::EventStore(local).for_each_after(s->head.position,
                                           [&s](const events::RecordedEvent& e) { s->fold(e); });
  node.saw_head(s->head.position);
  spdlog::info("cluster: this node follows the log from position {}", s->head.position);
  return s;
}

caf::actor spawn_catalog(caf::actor_system& sys, std::shared_ptr<CatalogState> state,
                         caf::actor projector, const projections::ReadPosition& read_position,
                         metrics::Metrics& metrics, int64_t snapshot_every) {
  state->metrics = &metrics;
  state->snapshot_every = snapshot_every;
  state->read_position = &read_position;
  // Detached: commits block on fsync and must not hold a scheduler thread.
  return sys.spawn<caf::detached>(catalog, std::move(state), std::move(projector));
}

}  // namespace catalog::actors
