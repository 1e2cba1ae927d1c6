// The live-event hub: fans each committed batch out to the subscribers that follow the log
// live (SSE streams). Delivering is a non-blocking hand-off, so a slow subscriber never
// slows the writer; what a subscriber does with a backlog is its own business.
//
// Accepts: Published (from the catalog actor, in commit order), Subscribe, Unsubscribe,
// stop_atom.
#pragma once

#include <caf/all.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "events/recorded_event.hpp"
#include "metrics/metrics.hpp"

namespace catalog::actors {

using EventBatch = std::shared_ptr<const std::vector<events::RecordedEvent>>;

struct Published {
  EventBatch events;
};

struct Subscribe {
  uint64_t id;
  // Called on the hub's thread for every batch published after the subscription; must
  // only hand the batch over, never block.
  std::function<void(EventBatch)> deliver;
  // Called once the hub has registered the subscriber: every batch committed after this
  // call is delivered, so a catch-up read started now leaves no gap.
  std::function<void()> subscribed;
};

struct Unsubscribe {
  uint64_t id;
};

// Keeps `metrics.event_streams` at the number of subscribed event streams.
caf::actor spawn_live_hub(caf::actor_system& sys, metrics::Metrics& metrics);

}  // namespace catalog::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(catalog::actors::Published)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(catalog::actors::Subscribe)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(catalog::actors::Unsubscribe)
