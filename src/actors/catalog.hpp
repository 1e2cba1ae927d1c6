// The catalog actor: the single writer of the event log. It decides each command against
// the in-memory write model, appends the resulting events with group commit (commands that
// arrive while a commit is in flight share the next transaction, and its one fsync), and
// hands each committed batch to the projector, which answers the commands.
//
// On PostgreSQL it is the writer only while its connection holds the writer lock; until it
// wins the lock it follows the shared log instead (catalog_role.cpp): it reads what the
// writer appends, checks that each event continues its chain, folds it into the write model
// (so that taking over is a lock grant, not a replay) and hands it to the projector.
//
// Accepts: CommandRequest. Its reply is called exactly once, with the CommandResult, after
// the command's events are durable and visible in the read model, or with the DomainError.
// A command with an Idempotency-Key gets the answer kept for the key, if there is one.
// tail_atom: the shared log has grown (a follower reads it). stop_atom: commits what is
// queued, stops the projector and the hub behind it, and quits.
#pragma once

#include <atomic>
#include <caf/all.hpp>
#include <memory>
#include <optional>
#include <string>

#include "actors/projector.hpp"
#include "events/command.hpp"
#include "events/command_result.hpp"
#include "metrics/metrics.hpp"

namespace catalog::events::store {
class PostgresLog;
}
namespace catalog::cluster {
class NodeState;
struct CaughtUp;
}  // namespace catalog::cluster

namespace catalog::actors {

struct CommandRequest {
  events::Command command;
  std::optional<events::IdempotencyRequest> idempotency;
  Reply reply;
};

// Sent by the cluster's log watcher when the writer has committed (and once a second).
using tail_atom = caf::atom_constant<caf::atom("tail")>;

struct CatalogState;

// A single node: opens the write connection to the SQLite file and folds its whole log
// into the write model; throws db::Error or std::exception with a clear message.
std::shared_ptr<CatalogState> open_catalog(const std::string& database_path, bool sql_echo);

// A cluster node: folds the node's own copy of the log (in its read model file) into the
// write model, and appends through `log` once it holds the writer lock. `tail_woken` is
// set by whoever sends tail_atom and cleared by the actor as it reads. `caught_up`, when
// given, is the write model of the events a bulk copy just wrote, which need not be read
// back.
std::shared_ptr<CatalogState> open_cluster_catalog(const std::string& read_model_path,
                                                   std::unique_ptr<events::store::PostgresLog> log,
                                                   cluster::NodeState& node,
                                                   std::shared_ptr<std::atomic<bool>> tail_woken,
                                                   std::shared_ptr<cluster::CaughtUp> caught_up);

// `snapshot_every`: events between write model snapshots written in the background (0: one
// only at a stop; background_snapshot.hpp).
caf::actor spawn_catalog(caf::actor_system& sys, std::shared_ptr<CatalogState> state,
                         caf::actor projector, const projections::ReadPosition& read_position,
                         metrics::Metrics& metrics, int64_t snapshot_every);

}  // namespace catalog::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(catalog::actors::CommandRequest)
