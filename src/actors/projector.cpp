#include "actors/projector.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <deque>
#include <stdexcept>
#include <thread>

#include "actors/fault_log.hpp"
#include "actors/live_hub.hpp"
#include "db/sqlite.hpp"
#include "db/writer.hpp"
#include "events/event_store.hpp"
#include "projections/catalog_projection.hpp"
#include "projections/filter_index.hpp"
#include "projections/product_cache.hpp"

namespace catalog::actors {

using retry_atom = caf::atom_constant<caf::atom("retry")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using filters_loaded_atom = caf::atom_constant<caf::atom("filtersok")>;

struct ProjectorState {
  // The read model can be rebuilt from the log, so its commits need not wait for fsync:
  // after a power loss the checkpoint rolls back with the rows and the log is re-applied.
  ProjectorState(const std::string& path, bool sql_echo, bool mirror,
                 projections::ReadPosition& position)
      : path(path), writer(path, false, sql_echo), mirror_log(mirror), read_position(position) {}
  ~ProjectorState() {
    if (loader.joinable()) loader.join();
  }

  projections::CatalogProjection projection() {
    projections::CatalogProjection p(writer.get());
    p.mirror_log(mirror_log);
    p.record_changes(&changes);
    p.before_commit([cache = products](const projections::FilterChanges& batch) {
      cache->before_commit(batch.products, batch.names);
    });
    return p;
  }

  // Moves the filter index and the product cache to what was just committed. If the index
  // fails it is set aside (readers use SQL) and read whole again after the next batch.
  void sync_filters() {
    try {
      int64_t at = projection().checkpoint();
      products->after_commit(at);
      read_position.advance(at);
      if (filters->loaded()) {
        filters->refresh(writer.get(), changes, at);
      } else if (loading->load()) {
        // The index is being read on the loader's thread: what changed meanwhile waits for
        // it, and is applied again if its snapshot already had it (every change sets a
        // product's row or a tagging as it is now, so applying it twice changes nothing).
        return;
      } else if (serving) {
        filters->load(writer.get());
      }
    } catch (const std::exception& ex) {
      filters->invalidate();
      spdlog::warn("projection: filter index set aside until it is read again: {}", ex.what());
    }
    changes.clear();
  }

  // Applies what the log holds beyond the checkpoint, in bounded transactions.
  void catch_up() {
    events::EventStore store(writer.get());
    for (;;) {
      auto batch = store.read_after(projection().checkpoint(), 5000);
      if (batch.empty()) return;
      projection().apply_batch(batch);
      sync_filters();
    }
  }

  std::string path;
  db::Writer writer;
  bool mirror_log;
  projections::ReadPosition& read_position;
  std::shared_ptr<projections::FilterIndex> filters = std::make_shared<projections::FilterIndex>();
  std::shared_ptr<projections::ProductCache> products =
      std::make_shared<projections::ProductCache>();
  projections::FilterChanges changes;  // committed, not yet in `filters`
  bool serving = false;                // caught up and loaded once
  // The filter index is read on its own thread after the server starts: at a million
  // products that took 1.4 s of a 3.5 s start-up, and until it is there readers use SQL.
  std::shared_ptr<std::atomic<bool>> loading = std::make_shared<std::atomic<bool>>(false);
  std::thread loader;
  // Batches that could not be applied yet (the database refused the write); their answers
  // wait with them, because answering before the read model shows a change would break
  // read-your-writes.
  std::deque<ProjectBatch> waiting;
  bool retry_scheduled = false;
  bool drain_scheduled = false;  // a drain message is queued behind the batches
  FaultLog faults{"projection: cannot apply committed events; their answers wait"};
};

std::shared_ptr<ProjectorState> open_projector(const std::string& path, bool sql_echo,
                                               bool mirror_log,
                                               projections::ReadPosition& read_position) {
  auto s = std::make_shared<ProjectorState>(path, sql_echo, mirror_log, read_position);
  s->catch_up();
  int64_t at = s->projection().checkpoint();
  s->products->after_commit(at);
  read_position.advance(at);
  s->serving = true;
  return s;
}

namespace {

// Applies every waiting batch in one transaction, then answers them all: the projector's
// own group commit. Under load several batches of the catalog wait by the time it runs,
// and one commit (its WAL frames) serves them together.
void drain(ProjectorState& s, const caf::actor& hub) {
  if (s.waiting.empty()) return;
  std::vector<events::RecordedEvent> fresh;
  for (int attempt = 0;; ++attempt) {
    // What the tables already have (after a catch-up) is not applied twice; anything
    // between the checkpoint and the batches (there should be nothing) comes from the log
    // first, so the tables never skip an event.
    int64_t next = s.projection().checkpoint() + 1;
    bool gap = false;
    fresh.clear();
    for (const auto& batch : s.waiting) {
      for (const auto& e : *batch.events) {
        if (e.position < next) continue;
        if (e.position > next) gap = true;
        if (gap) break;
        fresh.push_back(e);
        ++next;
      }
    }
    if (!gap) break;
    if (attempt > 0) throw std::logic_error("projection: committed events missing from the log");
    s.catch_up();
  }
  s.projection().apply_batch(fresh);
  s.sync_filters();
  // Readers waiting for a position were woken in sync_filters; then the live streams, then
  // the clients whose commands these were: each sees the read model already showing it.
  if (!fresh.empty()) {
    caf::anon_send(
        hub,
        Published{std::make_shared<const std::vector<events::RecordedEvent>>(std::move(fresh))});
  }
  for (auto& batch : s.waiting) {
    for (auto& a : batch.answers)
      a.reply(std::move(a.result));
  }
  s.waiting.clear();
}

caf::behavior projector(caf::stateful_actor<std::shared_ptr<ProjectorState>>* self,
                        std::shared_ptr<ProjectorState> state, caf::actor hub) {
  self->state = std::move(state);
  auto attempt = [self, hub] {
    auto& s = *self->state;
    try {
      if (s.faults.failing()) s.writer.recover();
      drain(s, hub);
      s.faults.succeeded();
    } catch (const std::exception& ex) {
      // A batch that did not commit may have emptied some of the cache; until the next
      // commit nothing goes back in.
      s.products->after_commit(-1);
      s.faults.failed(ex.what());
      if (!s.retry_scheduled) {
        s.retry_scheduled = true;
        self->delayed_send(self, std::chrono::milliseconds(200), retry_atom::value);
      }
    }
  };
  return {
      [self](ProjectBatch& batch) {
        auto& s = *self->state;
        s.waiting.push_back(std::move(batch));
        if (!s.drain_scheduled && !s.retry_scheduled) {
          s.drain_scheduled = true;
          // Queued behind the batches already in the mailbox: they all join one commit.
          self->send(self, drain_atom::value);
        }
      },
      [self, attempt](drain_atom) {
        self->state->drain_scheduled = false;
        if (!self->state->retry_scheduled) attempt();
      },
      [self, attempt](retry_atom) {
        self->state->retry_scheduled = false;
        attempt();
      },
      [self](filters_loaded_atom) {
        auto& s = *self->state;
        // Moves the index past what was committed while it was read, or, if reading it
        // failed, reads it here.
        s.sync_filters();
      },
      [self, attempt, hub](stop_atom) {
        // The catalog sends stop after its last batch, which may still wait for its drain.
        if (!self->state->waiting.empty()) attempt();
        if (!self->state->waiting.empty())
          spdlog::warn(
              "projection: stopping with {} batches not applied; the next start applies "
              "them from the log",
              self->state->waiting.size());
        self->send(hub, stop_atom::value);
        self->quit();
      },
  };
}

}  // namespace

std::shared_ptr<projections::FilterIndex> filter_index(const ProjectorState& state) {
  return state.filters;
}

std::shared_ptr<projections::ProductCache> product_cache(const ProjectorState& state) {
  return state.products;
}

caf::actor spawn_projector(caf::actor_system& sys, std::shared_ptr<ProjectorState> state,
                           caf::actor hub) {
  auto& s = *state;
  s.loading->store(true);  // before the actor's first batch, which would read it itself
  // Detached: the actor blocks on SQLite and must not hold a scheduler thread.
  auto actor = sys.spawn<caf::detached>(projector, std::move(state), std::move(hub));
  // Joined when the state goes, with the actor: the handle is the loader's only link to it.
  s.loader = std::thread([path = s.path, filters = s.filters, loading = s.loading, actor] {
    auto started = std::chrono::steady_clock::now();
    try {
      db::Connection db(path, db::OpenMode::read_only);
      filters->load(db);
      spdlog::info(
          "filter index loaded in {:.2f} s",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    } catch (const std::exception& ex) {
      spdlog::warn("projection: filter index not loaded ({}); the projector reads it again",
                   ex.what());
    }
    loading->store(false);
    caf::anon_send(actor, filters_loaded_atom::value);
  });
  return actor;
}

}  // namespace catalog::actors
