// What a revision needs that its SQL cannot do on SQLite, which has no SHA-256: revision 0011
// builds the Merkle tree of the events logged before it. Each step is idempotent; it runs in
// the revision's own transaction, and again (finding nothing to do, in a few reads) whenever
// the service starts, so a revision applied by hand from `catalog migrate --sql` is completed.
#pragma once

#include "db/migrations.hpp"
#include "db/sqlite.hpp"

namespace catalog::db {

// The code step of `m`, if it has one, in the caller's transaction.
void complete_in_code(Connection& db, const Migration& m);
// The code steps of every applied revision, each in a transaction of its own.
void complete_in_code(Connection& db);

}  // namespace catalog::db
