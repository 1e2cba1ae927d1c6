// The notifier's place in the log: in its own table of the SQLite file (schema/0003_notifier)
// on a single node, in the shared PostgreSQL database on a cluster, where the notifier of
// whichever node is the writer carries on from it.
#pragma once

#include <cstdint>

#include "db/sqlite.hpp"
#include "pg/connection.hpp"

namespace catalog::notify {

// The position of the last event delivered (or skipped), -1 if no notifier ever ran here.
int64_t read_checkpoint(db::Connection& db);
void write_checkpoint(db::Connection& db, int64_t position);

int64_t read_checkpoint(pg::Connection& db);
// Only ever forward: a writer that was paused and wakes up cannot move it back.
void write_checkpoint(pg::Connection& db, int64_t position);
// The first notifier of a cluster starts at `head`; a checkpoint already there stands.
void start_checkpoint(pg::Connection& db, int64_t head);

}  // namespace catalog::notify
