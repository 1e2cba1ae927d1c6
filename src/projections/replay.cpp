#include "projections/replay.hpp"

#include <chrono>

#include "events/event_store.hpp"
#include "projections/catalog_projection.hpp"

namespace catalog::projections {

ReplayStats replay(db::Connection& db, const std::function<void(int64_t, int64_t)>& progress) {
  auto started = std::chrono::steady_clock::now();
  events::EventStore store(db);
  CatalogProjection projection(db);
  ReplayStats stats;
  db::Transaction txn(db);
  int64_t total = store.head().position;
  projection.clear();
  int64_t at = 0;
  store.for_each_after(0, [&](const events::RecordedEvent& e) {
    projection.apply(e);
    at = e.position;
    if (++stats.events % 4096 == 0 && progress) progress(stats.events, total);
  });
  projection.set_checkpoint(at);
  txn.commit();
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (progress) progress(stats.events, total);
  return stats;
}

}  // namespace catalog::projections
