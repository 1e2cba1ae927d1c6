// Rebuilds the read model from the event log: every projection table emptied and every
// event applied again, in one transaction, so readers see the old tables or the new ones.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "db/sqlite.hpp"

namespace catalog::projections {

struct ReplayStats {
  int64_t events = 0;
  double seconds = 0;
};

// Drops the secondary indexes and the triggers of the read tables and returns the SQL that
// creates them again (taken from the schema, so a migration that adds one needs no change
// here).
std::vector<std::string> drop_read_model_indexes(db::Connection& db);

// `progress` is called now and then with (events applied, events in the log).
ReplayStats replay(db::Connection& db, const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace catalog::projections
