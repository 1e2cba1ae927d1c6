// The seam between the catalog and where its log is kept: the SQLite file of a single node,
// or the PostgreSQL database that the nodes of a cluster share. The catalog actor appends
// through it and the follower's tail reads through it, without knowing which it is; both
// keep the same rows, the same hash chain and one transaction per batch.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "events/event_store.hpp"
#include "events/kept_answer.hpp"
#include "events/recorded_event.hpp"

namespace catalog::events::store {

// The log refused a batch because this process is not (or no longer) its writer, or the
// batch does not continue the head it was decided on. Nothing was written.
class Fenced : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The connection was lost after the batch was sent and before its commit was confirmed: it
// may or may not be in the log.
class OutcomeUnknown : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class EventLog {
 public:
  virtual ~EventLog() = default;

  virtual Head head() = 0;
  // Events with position > after, ascending, at most `limit`.
  virtual std::vector<RecordedEvent> read_after(int64_t after, int64_t limit) = 0;
  // Calls `visit` for each event in (after, until], in order; returns how many.
  virtual int64_t for_each_after(int64_t after,
                                 const std::function<void(const RecordedEvent&)>& visit,
                                 int64_t until = INT64_MAX) = 0;

  // Appends `events`, whose positions and hashes continue `expected`, and keeps `answers`,
  // in one transaction. Throws Fenced, OutcomeUnknown, or another exception when nothing
  // was written.
  virtual void append(const Head& expected, const std::vector<RecordedEvent>& events,
                      const std::vector<KeptAnswer>& answers) = 0;
  // The answers kept for these keys in the last 24 hours.
  virtual std::vector<KeptAnswer> find_answers(const std::vector<std::string>& keys) = 0;
  // Forgets the answers kept for more than 24 hours.
  virtual void forget_old_answers() = 0;
  // After a failure: lets the next attempt start on a fresh connection where that helps.
  virtual void recover() = 0;
};

}  // namespace catalog::events::store
