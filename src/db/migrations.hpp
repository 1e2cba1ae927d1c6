// Numbered schema migrations (schema/NNNN_name.up.sql / .down.sql, embedded at build time)
// and the runner that applies and reverts them, tracking applied revisions in a table.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "db/sqlite.hpp"

namespace catalog::db {

struct Migration {
  int revision;      // 1, 2, ... (the NNNN of the file name)
  std::string name;  // "event_log"
  std::string up;
  std::string down;
};

// The migrations compiled into this binary, ascending by revision (generated source).
const std::vector<Migration>& embedded_migrations();

// "0002" for a revision, "base" for 0 (nothing applied).
std::string format_revision(int revision);

// Applies and reverts a linear list of migrations, one transaction per revision, recording
// each applied revision in `schema_migrations`. Reading (current, pending, *_sql) never
// writes, so a read-only connection is enough for them.
class Migrator {
 public:
  // Called after each revision commits, so a caller can report progress even when a later
  // revision fails.
  using StepCallback = std::function<void(const Migration&)>;

  // Throws std::invalid_argument if two migrations share a revision or one is not positive.
  Migrator(Connection& db, const std::vector<Migration>& migrations);

  // The highest applied revision, 0 (base) when nothing is applied; may be a revision this
  // binary does not know when the database was migrated by a newer one.
  int current();
  // The highest known revision, 0 when the list is empty.
  int head() const { return migrations_.empty() ? 0 : migrations_.back().revision; }
  std::vector<int> applied();
  // Known revisions above current(), ascending.
  std::vector<int> pending();
  const std::vector<Migration>& migrations() const { return migrations_; }
  // nullptr when the revision is not in the list.
  const Migration* find(int revision) const;

  // Throws std::runtime_error when the database has a revision applied that this binary
  // does not know: its schema is newer than the code, so neither may touch it.
  void check_known();

  // Parse a target and check it against the database: upgrade takes `head`, a revision
  // (`2`, `0002`) or `+N`; downgrade takes `-N`, a revision or `base`. Throws
  // std::invalid_argument with a one-line message for a malformed or unknown target or one
  // on the wrong side of current().
  int resolve_upgrade_target(std::string_view spec);
  int resolve_downgrade_target(std::string_view spec);

  // Each revision runs in its own BEGIN IMMEDIATE transaction together with its row in
  // schema_migrations, so a failure leaves the database at the last good revision.
  void upgrade(int target, const StepCallback& on_step = {});
  void downgrade(int target, const StepCallback& on_step = {});

  // The SQL upgrade()/downgrade() would run, transactions and version rows included, for
  // review or for applying by hand; the database is not touched.
  std::string upgrade_sql(int target);
  std::string downgrade_sql(int target);

 private:
  void check_upgrade_target(int target);
  void check_downgrade_target(int target);
  std::string known_range() const;

  Connection& db_;
  std::vector<Migration> migrations_;
};

// What `catalog serve` runs at start: applies every pending embedded migration, logging
// each one; throws if the database is at a revision newer than this binary knows.
void migrate_to_head(Connection& db);

}  // namespace catalog::db
