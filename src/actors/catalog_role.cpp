// The catalog actor on PostgreSQL: a follower that tails the shared log into its write model
// and read model, competes for the writer lock once it has reached the head, and as the
// writer pings the lock once a second. PostgreSQL elects and fences; this code only asks.
#include <spdlog/spdlog.h>

#include "actors/catalog_state.hpp"
#include "cluster/membership.hpp"
#include "events/hash_chain.hpp"

namespace catalog::actors {

using cluster::Role;

namespace {

// How often a follower reads the log and asks for the lock, and a writer confirms it. The
// writer's ping keeps its session from PostgreSQL's idle time-out (3 s, postgres_log.cpp),
// which is what frees the lock of a writer that stopped.
constexpr auto follower_tick = std::chrono::milliseconds(200);
constexpr auto writer_tick = std::chrono::milliseconds(1000);
constexpr int64_t tail_page = 2000;

void update_role(CatalogState& s) {
  if (s.node->role() == Role::forked) return;
  Role role = Role::catching_up;
  if (s.writer) {
    role = Role::writer;
  } else if (!s.shared_log->connected()) {
    role = Role::disconnected;
  } else if (s.reached_head || (s.caught_up && s.read_position->get() >= s.head.position)) {
    // Once at the head, a follower stays ready while it lags a batch or two behind it.
    s.reached_head = true;
    role = Role::follower;
  }
  s.node->set_role(role);
}

// Opens the connection when it is closed; false while PostgreSQL cannot be reached.
bool link(CatalogState& s) {
  if (s.shared_log->connected()) return true;
  try {
    s.shared_log->connect();
    s.link_faults.succeeded();
    return true;
  } catch (const std::exception& ex) {
    s.shared_log->disconnect();
    s.link_faults.failed(ex.what());
    s.caught_up = false;
    s.reached_head = false;
    update_role(s);
    return false;
  }
}

void forked(CatalogState& s, const std::string& why) {
  spdlog::critical("cluster: {}; this node stops serving and rebuilds its read model", why);
  s.node->fork(why);
}

// Reads one page of the shared log after the write model's head. Every event must continue
// the chain this node holds (the page starts at the head itself, which must be the same
// event); each one is folded into the write model and handed to the projector. Returns
// false when the log is a different history: the node has forked.
bool read_page(CatalogActor* self, const caf::actor& projector) {
  auto& s = *self->state;
  bool has_head = s.head.position > 0;
  int64_t limit = tail_page + (has_head ? 1 : 0);
  auto page = s.shared_log->read_after(s.head.position - (has_head ? 1 : 0), limit);
  size_t first = 0;
  if (has_head) {
    if (page.empty() || page[0].position != s.head.position || page[0].hash != s.head.hash) {
      forked(s, "the shared log does not hold this node's head (position " +
                    std::to_string(s.head.position) + ", hash " + s.head.hash +
                    "): PostgreSQL holds another history than the one this node applied");
      return false;
    }
    first = 1;
  }
  std::vector<events::RecordedEvent> fresh;
  fresh.reserve(page.size() - first);
  for (size_t i = first; i < page.size(); ++i) {
    auto& e = page[i];
    if (e.position != s.head.position + 1 || events::chain_hash(s.head.hash, e) != e.hash) {
      forked(s, "event " + std::to_string(e.position) +
                    " of the shared log does not continue this node's chain");
      return false;
    }
    try {
      s.fold(e);
    } catch (const std::exception& ex) {
      forked(s, "event " + std::to_string(e.position) +
                    " of the shared log does not fit the catalog it follows: " + ex.what());
      return false;
    }
    fresh.push_back(std::move(e));
  }
  s.node->saw_head(s.head.position);
  s.caught_up = static_cast<int64_t>(page.size()) < limit;
  if (!fresh.empty()) {
    self->send(
        projector,
        ProjectBatch{std::make_shared<const std::vector<events::RecordedEvent>>(std::move(fresh)),
                     {}});
  }
  return true;
}

// The lock is won: nobody else can append now, so what the log holds after the head is all
// there is. It is folded in before the first command is decided.
void take_over(CatalogActor* self, const caf::actor& projector) {
  auto& s = *self->state;
  do {
    if (!read_page(self, projector)) return;
  } while (!s.caught_up);
  s.writer = true;
  s.node->set_lock_pid(s.shared_log->backend_pid());
  s.node->lease_confirmed();
  update_role(s);
  s.next_purge = std::chrono::steady_clock::now();
  try {
    cluster::announce_writer(s.shared_log->connection(), s.node->url(), s.head.position);
  } catch (const std::exception& ex) {
    // The membership thread writes the row within a second anyway.
    spdlog::warn("cluster: announcing the new writer failed: {}", ex.what());
  }
  spdlog::info("cluster: this node is the writer now, at position {}", s.head.position);
}

void schedule_tick(CatalogActor* self) {
  self->delayed_send(self, self->state->writer ? writer_tick : follower_tick, lease_atom::value);
}

}  // namespace

void start_role(CatalogActor* self, const caf::actor& projector) {
  follow(self, projector);
  schedule_tick(self);
}

void step_down(CatalogState& s, const std::string& why, bool connection_lost) {
  if (s.writer) {
    spdlog::warn("cluster: no longer the writer{}: {}", connection_lost ? " (connection lost)" : "",
                 why);
  } else {
    s.link_faults.failed(why);
  }
  s.writer = false;
  s.caught_up = false;
  s.reached_head = false;
  s.node->set_lock_pid(0);
  // The session goes with the role: if it still held the lock (the head moved under it),
  // closing it frees the lock for a node that has the whole log. The next tick connects
  // afresh, as a follower.
  s.shared_log->disconnect();
  update_role(s);
}

void follow(CatalogActor* self, const caf::actor& projector) {
  auto& s = *self->state;
  if (!s.shared_log) return;
  s.tail_woken->store(false);
  if (s.writer || s.node->role() == Role::forked) return;
  if (!link(s)) return;
  try {
    if (read_page(self, projector) && !s.caught_up) self->send(self, tail_atom::value);
  } catch (const std::exception& ex) {
    step_down(s, ex.what(), true);
  }
  update_role(s);
  s.snapshot_in_background();
}

void check_lease(CatalogActor* self, const caf::actor& projector) {
  auto& s = *self->state;
  if (s.node->role() == Role::forked) return;
  if (s.writer) {
    try {
      if (!s.shared_log->holds_writer_lock()) {
        step_down(s, "PostgreSQL says this session no longer holds the writer lock", false);
      } else {
        s.node->lease_confirmed();
        if (s.purge_due()) s.shared_log->forget_old_answers();
      }
    } catch (const std::exception& ex) {
      step_down(s, ex.what(), true);
    }
    schedule_tick(self);
    return;
  }
  follow(self, projector);
  // Only a node whose read model has the whole log competes: the new writer must answer
  // reads as fresh as its writes.
  if (s.caught_up && s.shared_log->connected() && s.read_position->get() >= s.head.position) {
    try {
      if (s.shared_log->try_become_writer()) take_over(self, projector);
    } catch (const std::exception& ex) {
      step_down(s, ex.what(), !s.shared_log->connected());
    }
  }
  schedule_tick(self);
}

}  // namespace catalog::actors
