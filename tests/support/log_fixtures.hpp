// Logs made in a moment rather than by thousands of requests: events appended straight to a
// stopped node's SQLite file, each chained as the service chains it.
#pragma once

#include <string>

namespace catalog::testing {

// Appends `count` TagCreated events (ids from `first_id`, Cyrillic names) at the head of
// the log in `db_path`, a database at the schema's head.
void append_tag_events(const std::string& db_path, int first_id, int count);

}  // namespace catalog::testing
