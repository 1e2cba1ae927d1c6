// The notifier's place in the log, kept in its own table (schema/0003_notifier).
#pragma once

#include <cstdint>

#include "db/sqlite.hpp"

namespace catalog::notify {

// The position of the last event delivered (or skipped), -1 if no notifier ever ran here.
int64_t read_checkpoint(db::Connection& db);
void write_checkpoint(db::Connection& db, int64_t position);

}  // namespace catalog::notify
