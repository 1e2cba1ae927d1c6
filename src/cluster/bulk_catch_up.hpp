// A node far behind the shared log (a new one, or one that was down for long) copies what it
// lacks in one pass before it starts, instead of through the tail's small batches: pages of
// the log are read from PostgreSQL on one thread, checked against the chain and decoded on
// another, and written — the node's copy of the log and the read tables, whose indexes are
// built again at the end, as `catalog replay` does — in one transaction, while the write
// model is folded from the same decoded events.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "events/event_store.hpp"
#include "events/write_model.hpp"

namespace catalog::cluster {

// The write model of the events copied, for a node that had none: it need not read them
// back from its file.
struct CaughtUp {
  events::WriteModel model;
  events::Head head;
  events::Millis last_recorded_at = 0;
};

struct BulkCopy {
  int64_t events = 0;  // copied
  double seconds = 0;
  std::optional<CaughtUp> folded;  // set when the read model was empty before
};

// Copies the shared log after the read model's head when it is at least `threshold` events
// behind, and at least as many as it holds; otherwise, or when the shared log does not
// continue the node's own copy (the tail then finds the fork and says so), copies nothing.
// `progress` hears the read model's position and the log's head as they move. Throws when
// the log cannot be read or an event does not continue the chain.
BulkCopy bulk_catch_up(const std::string& postgres_url, const std::string& read_model_path,
                       int64_t threshold,
                       const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace catalog::cluster
