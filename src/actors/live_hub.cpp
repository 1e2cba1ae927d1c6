#include "actors/live_hub.hpp"

#include <unordered_map>

#include "actors/projector.hpp"

namespace catalog::actors {

namespace {

struct HubState {
  std::unordered_map<uint64_t, std::function<void(EventBatch)>> subscribers;
  metrics::Metrics* metrics = nullptr;
};

// Subscriber 0 is the notifier; event streams count from 1.
bool is_stream(uint64_t id) {
  return id != 0;
}

caf::behavior live_hub(caf::stateful_actor<HubState>* self, metrics::Metrics* metrics) {
  self->state.metrics = metrics;
  return {
      [self](Published& p) {
        for (auto& [id, deliver] : self->state.subscribers)
          deliver(p.events);
      },
      [self](Subscribe& s) {
        if (self->state.subscribers.emplace(s.id, std::move(s.deliver)).second && is_stream(s.id))
          ++self->state.metrics->event_streams;
        s.subscribed();
      },
      [self](Unsubscribe& u) {
        if (self->state.subscribers.erase(u.id) && is_stream(u.id))
          --self->state.metrics->event_streams;
      },
      [self](stop_atom) { self->quit(); },
  };
}

}  // namespace

caf::actor spawn_live_hub(caf::actor_system& sys, metrics::Metrics& metrics) {
  return sys.spawn(live_hub, &metrics);
}

}  // namespace catalog::actors
