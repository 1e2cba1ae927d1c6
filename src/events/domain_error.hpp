// A command the catalog refuses, as a value. Only the HTTP edge turns it into a status code.
#pragma once

#include <string>

namespace catalog::events {

struct DomainError {
  enum class Kind {
    not_found,            // the entity in the path does not exist
    conflict,             // a name that is taken (case-insensitively)
    invalid_reference,    // a category_id or tag id in the body that does not exist
    precondition_failed,  // If-Match does not match the current version
    unavailable,          // the log could not be written (disk full, read-only, locked)
    internal,             // a bug: the state and an event disagree
    not_writer,           // a cluster node that does not hold the writer lock (any more)
    outcome_unknown,      // the connection to the log was lost during the commit
    key_reused,           // an Idempotency-Key first sent with another request
  };
  Kind kind;
  std::string detail;
};

}  // namespace catalog::events
