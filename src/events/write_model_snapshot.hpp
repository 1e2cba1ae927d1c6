// The write model saved to a file, so that a start loads it instead of folding the whole
// log: at a million products folding took most of a 3.5 s start, and it grows with the log
// (ten million events: ten times that). The catalog writes one when it stops, and every so
// many events in the background (actors/background_snapshot.hpp); a start folds only the
// events after it.
//
// The file names the log position it was taken at and that event's chain hash, and ends
// with the SHA-256 of everything before. A start uses it only if it is whole (a kill -9
// while writing leaves a temporary file, never a half snapshot under the name, but a copy
// may be cut), its digest holds, and the log's event at that position has that hash (a
// snapshot of another log, or of a log restored to an earlier copy, is refused). Refused,
// it is logged with the reason and the model is folded from the log as before.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "events/clock.hpp"
#include "events/event_store.hpp"
#include "events/write_model.hpp"

namespace catalog::events {

struct ModelSnapshot {
  WriteModel model;
  Head head;  // the last event folded into it
  Millis last_recorded_at = 0;
};

// The snapshot file beside a database file.
std::string snapshot_path(const std::string& database_path);

// Writes the snapshot atomically (a temporary file, fsync, rename, directory fsync).
// Throws std::runtime_error naming the path on failure.
void save_snapshot(const std::string& path, const WriteModel& model, const Head& head,
                   Millis last_recorded_at);

// The log's chain hash of the event at `position`, nullopt when the log has none there.
using HashAt = std::function<std::optional<std::string>(int64_t position)>;

// The snapshot at `path` if it may be used against the log `hash_at` reads; otherwise
// nullopt with the reason in `why` (empty when there is no file).
std::optional<ModelSnapshot> load_snapshot(const std::string& path, const HashAt& hash_at,
                                           std::string& why);

}  // namespace catalog::events
