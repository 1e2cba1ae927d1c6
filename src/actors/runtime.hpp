// The actor system of one process: the projector, the live-event hub and the catalog actor,
// opened on a database (logs folded, read model caught up) and stopped in order.
#pragma once

#include <caf/all.hpp>
#include <memory>
#include <string>

#include "actors/notifier.hpp"
#include "actors/projector.hpp"
#include "db/checkpointer.hpp"
#include "events/command.hpp"
#include "metrics/metrics.hpp"

namespace catalog::actors {

class Runtime {
 public:
  // Opens the database (which must be migrated) and starts the actors; throws with a clear
  // message when the database cannot be used.
  Runtime(const std::string& database_path, bool sql_echo, metrics::Metrics& metrics);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Hands a command to the catalog actor; `reply` is called once, from an actor's thread.
  void submit(events::Command command, Reply reply) const;
  // Decides a command and waits for its outcome: for tools, never for io threads.
  events::Outcome execute(events::Command command) const;

  const caf::actor& hub() const { return hub_; }
  // Kept in step by the projector; for the read routes.
  projections::FilterIndex* filters() const { return filters_.get(); }
  projections::ProductCache* products() const { return products_.get(); }

  // Starts the Telegram notifier, woken by the hub at every commit.
  void start_notifier(const NotifierSettings& settings, metrics::Metrics& metrics);
  caf::actor_system& system() { return *system_; }

  // The catalog answers what it holds, then the projector and the hub stop; returns once
  // every actor is done. Called by the destructor if not before.
  void stop();

 private:
  // First made, last gone: the actors' writers leave checkpoints to it.
  std::unique_ptr<db::Checkpointer> checkpointer_;
  std::shared_ptr<projections::FilterIndex> filters_;
  std::shared_ptr<projections::ProductCache> products_;
  caf::actor_system_config config_;
  std::unique_ptr<caf::actor_system> system_;
  caf::actor projector_;
  caf::actor hub_;
  caf::actor catalog_;
  caf::actor notifier_;
  bool stopped_ = false;
};

}  // namespace catalog::actors
