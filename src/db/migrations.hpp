// Numbered schema migrations (schema/NNNN_name.up.sql / .down.sql for SQLite, and
// NNNN_name.pg.up.sql / .pg.down.sql for PostgreSQL, embedded at build time) and the runner
// that applies and reverts them, tracking applied revisions in a table. Both dialects share
// the revision numbers, so `catalog migrate` speaks of the same revisions on either.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "db/sqlite.hpp"

namespace catalog::pg {
class Connection;
}

namespace catalog::db {

enum class Dialect { sqlite, postgresql };

struct Migration {
  int revision;      // 1, 2, ... (the NNNN of the file name)
  std::string name;  // "event_log"
  std::string up;
  std::string down;
  std::string pg_up;  // the same revision in PostgreSQL's SQL
  std::string pg_down;

  const std::string& script(Dialect dialect, bool upward) const {
    if (dialect == Dialect::postgresql) return upward ? pg_up : pg_down;
    return upward ? up : down;
  }
};

// What the runner needs of a database: which revisions it has, and a way to apply or
// revert one in a transaction of its own. One implementation per dialect.
class SchemaDatabase {
 public:
  virtual ~SchemaDatabase() = default;
  virtual Dialect dialect() const = 0;
  // Ascending; empty when the version table does not exist yet.
  virtual std::vector<int> applied() = 0;
  virtual void create_version_table() = 0;
  // Runs `step` in one transaction that holds the database's write lock, so that applied()
  // read inside it is the truth even when another process migrates at the same time.
  virtual void transaction(const std::function<void()>& step) = 0;
  // Runs `body` while this process holds the schema lock (PostgreSQL: an advisory lock, so
  // that nodes started together migrate one after the other; SQLite: the write lock of each
  // transaction is enough).
  virtual void with_schema_lock(const std::function<void()>& body) { body(); }
  virtual void exec(const std::string& script) = 0;
  // What the revision needs beyond its script (see db/code_steps.hpp), in its transaction.
  virtual void complete(const Migration&) {}
  virtual void record(const Migration& m) = 0;
  virtual void forget(int revision) = 0;
  // The same steps as SQL text, for `--sql`.
  virtual std::string version_table_sql() const = 0;
  virtual std::string begin_sql() const = 0;
  virtual std::string record_sql(const Migration& m) const = 0;
  virtual std::string forget_sql(int revision) const = 0;
  // `script` made safe to follow with another statement.
  virtual std::string terminated(const std::string& script) const = 0;
};

// The schema of a SQLite database.
std::unique_ptr<SchemaDatabase> sqlite_schema(Connection& db);
// The schema of a PostgreSQL database (the shared log of a cluster).
std::unique_ptr<SchemaDatabase> postgres_schema(pg::Connection& db);

// The migrations compiled into this binary, ascending by revision (generated source).
const std::vector<Migration>& embedded_migrations();

// "0002" for a revision, "base" for 0 (nothing applied).
std::string format_revision(int revision);

// `text` as a SQL string literal (quotes doubled), for the scripts `--sql` prints; both
// dialects read it so.
std::string sql_literal(std::string_view text);

// Applies and reverts a linear list of migrations, one transaction per revision, recording
// each applied revision in `schema_migrations`. Reading (current, pending, *_sql) never
// writes, so a read-only connection is enough for them.
class Migrator {
 public:
  // Called after each revision commits, so a caller can report progress even when a later
  // revision fails.
  using StepCallback = std::function<void(const Migration&)>;

  // Throws std::invalid_argument if two migrations share a revision or one is not positive.
  Migrator(SchemaDatabase& db, const std::vector<Migration>& migrations);
  // A SQLite database.
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

  // Each revision runs in its own transaction (SQLite: BEGIN IMMEDIATE) together with its
  // row in schema_migrations, so a failure leaves the database at the last good revision.
  void upgrade(int target, const StepCallback& on_step = {});
  void downgrade(int target, const StepCallback& on_step = {});

  // The SQL upgrade()/downgrade() would run, transactions and version rows included, for
  // review or for applying by hand; the database is not touched.
  std::string upgrade_sql(int target);
  std::string downgrade_sql(int target);

 private:
  void sort_and_check();
  void check_upgrade_target(int target);
  void check_downgrade_target(int target);
  std::string known_range() const;
  const std::string& script(const Migration& m, bool upward) const {
    return m.script(db_.dialect(), upward);
  }

  std::unique_ptr<SchemaDatabase> owned_;
  SchemaDatabase& db_;
  std::vector<Migration> migrations_;
};

// What `catalog serve` runs at start: applies every pending embedded migration, logging
// each one; throws if the database is at a revision newer than this binary knows.
void migrate_to_head(Connection& db);
void migrate_to_head(pg::Connection& db);

}  // namespace catalog::db
