#include "actors/runtime.hpp"

#include <future>

#include "actors/catalog.hpp"
#include "actors/live_hub.hpp"
#include "events/store/postgres_log.hpp"

namespace catalog::actors {

Runtime::Runtime(const RuntimeOptions& o, metrics::Metrics& metrics)
    : checkpointer_(std::make_unique<db::Checkpointer>(o.database_path)) {
  // Both states are opened before any actor runs, so a bad database fails here, on the
  // caller's thread, with the caller's error handling.
  bool cluster = o.postgres_url.has_value();
  auto projector_state = open_projector(o.database_path, o.sql_echo, cluster, *read_position_);
  filters_ = filter_index(*projector_state);
  products_ = product_cache(*projector_state);
  auto catalog_state = cluster ? open_cluster_catalog(o.database_path,
                                                      std::make_unique<events::store::PostgresLog>(
                                                          *o.postgres_url, o.sql_echo),
                                                      *o.node, tail_woken_, o.caught_up)
                               : open_catalog(o.database_path, o.sql_echo);
  // The scheduler runs only the live hub: every actor that blocks on SQLite or HTTP is
  // detached. CAF's workers poll for work in a loop of 50 us sleeps before they wait on a
  // condition variable, and under writes those wake-ups took 5.8 % of the samples; one worker
  // that waits at once (an enqueue wakes it) costs nothing while the hub is idle.
  config_.set("scheduler.max-threads", 1);
  config_.set("work-stealing.aggressive-poll-attempts", 1);
  config_.set("work-stealing.moderate-poll-attempts", 0);
  config_.set("logger.verbosity", caf::atom("quiet"));
  system_ = std::make_unique<caf::actor_system>(config_);
  hub_ = spawn_live_hub(*system_, metrics);
  projector_ = spawn_projector(*system_, std::move(projector_state), hub_);
  catalog_ = spawn_catalog(*system_, std::move(catalog_state), projector_, *read_position_, metrics,
                           o.snapshot_every);
}

Runtime::~Runtime() {
  stop();
}

void Runtime::submit(events::Command command, std::optional<events::IdempotencyRequest> idempotency,
                     Reply reply) const {
  caf::anon_send(catalog_,
                 CommandRequest{std::move(command), std::move(idempotency), std::move(reply)});
}

events::Outcome Runtime::execute(events::Command command) const {
  auto done = std::make_shared<std::promise<events::Outcome>>();
  auto answer = done->get_future();
  submit(std::move(command), std::nullopt,
         [done](events::CommandResult r) { done->set_value(std::move(r.outcome)); });
  return answer.get();
}

void Runtime::wake_tail() const {
  // The catalog clears the flag as it starts reading, so a wake-up after that point sends
  // another message, and one before it is covered by the read.
  if (!tail_woken_->exchange(true)) caf::anon_send(catalog_, tail_atom::value);
}

void Runtime::start_notifier(const NotifierSettings& settings, metrics::Metrics& metrics) {
  notifier_state_ = open_notifier(settings, metrics);
  notifier_ = spawn_notifier(*system_, notifier_state_);
  caf::actor notifier = notifier_;
  // The hub only nudges: the notifier reads the events from the log itself, in order.
  // Subscriber 0 is the notifier's; event streams count from 1.
  caf::anon_send(
      hub_,
      Subscribe{0, [notifier](EventBatch) { caf::anon_send(notifier, wake_atom::value); }, [] {}});
}

void Runtime::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (notifier_) {
    interrupt_notifier(*notifier_state_);
    caf::anon_send(notifier_, stop_atom::value);
  }
  caf::anon_send(catalog_, stop_atom::value);
  system_->await_all_actors_done();
}

}  // namespace catalog::actors
