// The catalog actor's state, shared by its two halves: deciding and committing commands
// (catalog.cpp) and, on PostgreSQL, winning and losing the writer role while following the
// shared log (catalog_role.cpp). Internal to the actor.
#pragma once

#include <caf/all.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/background_snapshot.hpp"
#include "actors/catalog.hpp"
#include "actors/fault_log.hpp"
#include "cluster/node_state.hpp"
#include "events/hash_chain.hpp"
#include "events/store/event_log.hpp"
#include "events/store/postgres_log.hpp"
#include "events/write_model.hpp"
#include "projections/read_position.hpp"

namespace catalog::actors {

// One command of the batch being committed, with everything its answer needs.
struct Decided {
  Decided(Reply r, events::Outcome o, size_t end = 0,
          std::optional<events::IdempotencyRequest> i = std::nullopt)
      : reply(std::move(r)), outcome(std::move(o)), events_end(end), idempotency(std::move(i)) {}

  Reply reply;
  events::Outcome outcome;
  size_t events_end = 0;  // how many of the batch's events were decided up to this command
  std::optional<events::IdempotencyRequest> idempotency;
  std::optional<events::KeptAnswer> kept;  // its answer, kept with the batch or from before
  bool kept_before = false;                // the key was answered by an earlier batch
  bool repeat = false;  // the key of an earlier command of this batch: answered as that one
};

struct CatalogState {
  explicit CatalogState(std::unique_ptr<events::store::EventLog> l) : log(std::move(l)) {}

  std::unique_ptr<events::store::EventLog> log;
  // On PostgreSQL: the same object as `log`, and this node's place in the cluster.
  events::store::PostgresLog* shared_log = nullptr;
  cluster::NodeState* node = nullptr;
  const projections::ReadPosition* read_position = nullptr;

  events::WriteModel model;
  events::Head head{0, std::string(events::genesis_hash)};  // the last committed event
  events::Millis last_recorded_at = 0;
  // Where the write model is saved when the catalog stops (write_model_snapshot.hpp).
  std::string snapshot_file;
  int64_t snapshot_position = 0;  // of the snapshot loaded or saved last
  // Events after which one is also written in the background; 0: only at a stop.
  int64_t snapshot_every = 0;
  int64_t snapshot_tried = 0;  // the position of the last one begun in the background
  BackgroundSnapshot background;
  metrics::Metrics* metrics = nullptr;
  FaultLog commit_faults{"catalog: cannot append to the event log; writes are answered 503"};
  std::chrono::steady_clock::time_point next_purge{};  // of answers kept over 24 hours

  // Commands that arrived since the last flush: decided together when it comes.
  std::vector<CommandRequest> queue;
  bool flush_queued = false;
  // The batch being committed: its events, not yet in the log, and its commands.
  std::vector<events::RecordedEvent> pending_events;
  std::vector<Decided> decided;

  // On PostgreSQL.
  bool writer = false;        // this node's connection holds the writer lock
  bool caught_up = false;     // the last read of the shared log reached its head
  bool reached_head = false;  // and the read model with it, since the last (re)connect
  std::shared_ptr<std::atomic<bool>> tail_woken;  // a tail_atom is on its way
  FaultLog link_faults{
      "cluster: the connection to PostgreSQL failed; reads go on from the read model"};

  bool accepts_commands() const { return !shared_log || writer; }

  // Evolves the write model by an event that is in the log.
  void fold(const events::RecordedEvent& e);
  // After a batch was committed or folded: begins a snapshot in the background once
  // `snapshot_every` events came since the last.
  void snapshot_in_background();
  // Whether the writer should forget the answers kept over 24 hours now (once an hour);
  // true moves the next time on.
  bool purge_due();
};

using CatalogActor = caf::stateful_actor<std::shared_ptr<CatalogState>>;

// catalog_role.cpp: the cluster half.
using lease_atom = caf::atom_constant<caf::atom("lease")>;
// Starts the follower's and writer's timers.
void start_role(CatalogActor* self, const caf::actor& projector);
// Reads what the writer appended; a follower's answer to tail_atom.
void follow(CatalogActor* self, const caf::actor& projector);
// Tries for the writer lock (follower) or confirms it (writer).
void check_lease(CatalogActor* self, const caf::actor& projector);
// Gives up the writer role after a failed append: Fenced, or the connection lost.
void step_down(CatalogState& s, const std::string& why, bool connection_lost);

}  // namespace catalog::actors
