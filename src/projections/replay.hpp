// Rebuilds the read model from the event log: every projection table emptied and every
// event applied again, in one transaction, so readers see the old tables or the new ones.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "db/sqlite.hpp"
#include "events/event_store.hpp"
#include "projections/catalog_projection.hpp"

namespace catalog::projections {

struct ReplayStats {
  int64_t events = 0;
  double seconds = 0;
};

// Drops the secondary indexes and the triggers of the read tables and returns the SQL that
// creates them again (taken from the schema, so a migration that adds one needs no change
// here). `also` names more tables to treat so (a bulk copy of the log drops the events
// table's triggers while it checks the chain itself).
std::vector<std::string> drop_read_model_indexes(db::Connection& db,
                                                 const std::vector<std::string>& also = {});

// Applies the events of `store` after 0 and up to `until` to `projection`, inside the
// caller's transaction on the projection's connection, and returns the position of the
// last one (0 for none). `applied` is called now and then with how many it has applied.
int64_t apply_log(events::EventStore& store, CatalogProjection& projection,
                  int64_t until = INT64_MAX, const std::function<void(int64_t)>& applied = {});

// `progress` is called now and then with (events applied, events in the log).
ReplayStats replay(db::Connection& db, const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace catalog::projections
