// The PostgreSQL advisory locks of the service, in their two-key form: the first key names
// the service ("CATA"), the second the purpose. SQL that checks pg_locks for them (the
// append function of schema/0009_cluster.pg.up.sql) spells the same numbers.
#pragma once

#include <cstdint>

namespace catalog::pg {

inline constexpr int32_t lock_space = 0x43415441;  // "CATA"

enum class AdvisoryLock : int32_t {
  writer = 1,    // held by the one node that appends, on its appending connection
  schema = 2,    // held while migrations run, so nodes started together migrate in turn
  copy_log = 3,  // held by `catalog copy-log` while it fills a database
};

}  // namespace catalog::pg
