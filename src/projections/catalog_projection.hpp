// Applies events to the read tables (categories, tags, products, product_tags) and keeps
// the projection's checkpoint beside them. The same code serves the live projector, replay
// and the scratch copy that verify compares with.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "db/sqlite.hpp"
#include "events/event.hpp"
#include "events/recorded_event.hpp"
#include "projections/filter_changes.hpp"

namespace catalog::projections {

// What applying an event needs besides the tables, worked out from the record alone: so
// that replay can do it on another thread while the tables are written.
struct DecodedEvent {
  events::Event event;
  std::string at;      // recorded_at, as the tables store it
  std::string folded;  // the case-folded name the event sets, if it sets one
};

class CatalogProjection {
 public:
  static constexpr std::string_view name = "catalog";

  explicit CatalogProjection(db::Connection& db) : db_(db) {}

  // The position of the last event applied (0 for none).
  int64_t checkpoint();
  // Applies the events, which must follow the checkpoint without a gap, and moves the
  // checkpoint, in one transaction: a crash leaves either all of it or none.
  void apply_batch(const std::vector<events::RecordedEvent>& batch);
  // Applies one event inside the caller's transaction; the caller moves the checkpoint.
  void apply(const events::RecordedEvent& e);
  // The same, with the event decoded beforehand.
  void apply(const events::RecordedEvent& e, const DecodedEvent& decoded);
  static DecodedEvent decode(const events::RecordedEvent& e);
  void set_checkpoint(int64_t position);
  // Makes apply_batch() also append each event to the events table: the copy of a cluster's
  // log that a node keeps in its read model file, in step with the rows it produced.
  void mirror_log(bool on) { mirror_log_ = on; }
  // Makes apply_batch() add to `changes` what each committed batch changed for the filter
  // index (nothing for a batch that was rolled back); null stops it.
  void record_changes(FilterChanges* changes) { changes_ = changes; }
  // Called by apply_batch() with the batch's changes just before it commits them.
  void before_commit(std::function<void(const FilterChanges&)> hook) {
    before_commit_ = std::move(hook);
  }
  // Empties every read table and the checkpoint (inside the caller's transaction).
  void clear();

 private:
  db::Connection& db_;
  bool mirror_log_ = false;
  FilterChanges* changes_ = nullptr;
  FilterChanges batch_changes_;  // of the batch being applied, kept only if it commits
  std::function<void(const FilterChanges&)> before_commit_;
};

}  // namespace catalog::projections
