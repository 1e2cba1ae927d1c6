// The actor system of one process: the projector, the live-event hub and the catalog actor,
// opened on a database (logs folded, read model caught up) and stopped in order.
#pragma once

#include <atomic>
#include <caf/all.hpp>
#include <memory>
#include <optional>
#include <string>

#include "actors/notifier.hpp"
#include "actors/projector.hpp"
#include "db/checkpointer.hpp"
#include "events/command.hpp"
#include "events/command_result.hpp"
#include "metrics/metrics.hpp"
#include "projections/read_position.hpp"

namespace catalog::cluster {
class NodeState;
struct CaughtUp;
}  // namespace catalog::cluster

namespace catalog::actors {

struct RuntimeOptions {
  // The SQLite file: the log and the read model of a single node, or a cluster node's read
  // model (with its copy of the log). It must be migrated.
  std::string database_path;
  bool sql_echo = false;
  // A cluster node: the shared log, and the node's place in the cluster.
  std::optional<std::string> postgres_url;
  cluster::NodeState* node = nullptr;
  // The write model of a log copied in bulk just before (cluster/bulk_catch_up.hpp).
  std::shared_ptr<cluster::CaughtUp> caught_up;
  // Events between write model snapshots written in the background (0: only at a stop).
  int64_t snapshot_every = 1'000'000;
};

class Runtime {
 public:
  // Opens the database and starts the actors; throws with a clear message when the
  // database cannot be used.
  Runtime(const RuntimeOptions& options, metrics::Metrics& metrics);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Hands a command to the catalog actor; `reply` is called once, from an actor's thread.
  void submit(events::Command command, std::optional<events::IdempotencyRequest> idempotency,
              Reply reply) const;
  // Decides a command and waits for its outcome: for tools, never for io threads.
  events::Outcome execute(events::Command command) const;
  // Tells a cluster node's catalog that the shared log has grown. Never blocks; however
  // often it is called, at most one wake-up waits in the mailbox.
  void wake_tail() const;

  const caf::actor& hub() const { return hub_; }
  // Kept in step by the projector; for the read routes.
  projections::FilterIndex* filters() const { return filters_.get(); }
  projections::ProductCache* products() const { return products_.get(); }
  // The position the read model has applied, and waiting for one.
  projections::ReadPosition& read_position() const { return *read_position_; }

  // Starts the Telegram notifier, woken by the hub at every commit.
  void start_notifier(const NotifierSettings& settings, metrics::Metrics& metrics);
  // The notifier, for the subscribers' routes; invalid when notifications are off.
  const caf::actor& notifier() const { return notifier_; }
  caf::actor_system& system() { return *system_; }

  // The catalog answers what it holds, then the projector and the hub stop; returns once
  // every actor is done. Called by the destructor if not before.
  void stop();

 private:
  // First made, last gone: the actors' writers leave checkpoints to it.
  std::unique_ptr<db::Checkpointer> checkpointer_;
  std::unique_ptr<projections::ReadPosition> read_position_ =
      std::make_unique<projections::ReadPosition>();
  std::shared_ptr<std::atomic<bool>> tail_woken_ = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<projections::FilterIndex> filters_;
  std::shared_ptr<projections::ProductCache> products_;
  caf::actor_system_config config_;
  std::unique_ptr<caf::actor_system> system_;
  caf::actor projector_;
  caf::actor hub_;
  caf::actor catalog_;
  caf::actor notifier_;
  std::shared_ptr<NotifierState> notifier_state_;
  bool stopped_ = false;
};

}  // namespace catalog::actors
