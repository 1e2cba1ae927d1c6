#include "actors/live_hub.hpp"

#include <unordered_map>

#include "actors/projector.hpp"

namespace catalog::actors {

namespace {

struct HubState {
  std::unordered_map<uint64_t, std::function<void(EventBatch)>> subscribers;
};

caf::behavior live_hub(caf::stateful_actor<HubState>* self) {
  return {
      [self](Published& p) {
        for (auto& [id, deliver] : self->state.subscribers)
          deliver(p.events);
      },
      [self](Subscribe& s) {
        self->state.subscribers[s.id] = std::move(s.deliver);
        s.subscribed();
      },
      [self](Unsubscribe& u) { self->state.subscribers.erase(u.id); },
      [self](stop_atom) { self->quit(); },
  };
}

}  // namespace

caf::actor spawn_live_hub(caf::actor_system& sys) {
  return sys.spawn(live_hub);
}

}  // namespace catalog::actors
