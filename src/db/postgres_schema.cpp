// The migration runner's view of a PostgreSQL database: its schema_migrations table, each
// revision in a transaction of its own (PostgreSQL's DDL is transactional), and an advisory
// lock around a whole run, so that nodes started at once migrate one after the other.
#include <memory>

#include "db/migrations.hpp"
#include "pg/advisory_locks.hpp"
#include "pg/connection.hpp"

namespace catalog::db {

namespace {

constexpr std::string_view version_table =
    "CREATE TABLE IF NOT EXISTS schema_migrations (\n"
    "  revision   integer PRIMARY KEY,\n"
    "  name       text NOT NULL,\n"
    "  applied_at timestamptz NOT NULL DEFAULT now()\n"
    ");\n";

const pg::Param space(pg::lock_space);
const pg::Param schema_key(static_cast<int>(pg::AdvisoryLock::schema));

class PostgresSchema : public SchemaDatabase {
 public:
  explicit PostgresSchema(pg::Connection& db) : db_(db) {}

  Dialect dialect() const override { return Dialect::postgresql; }

  std::vector<int> applied() override {
    std::vector<int> revisions;
    if (db_.exec("SELECT to_regclass('schema_migrations') IS NOT NULL").boolean(0, 0) == false)
      return revisions;
    auto rows = db_.exec("SELECT revision FROM schema_migrations ORDER BY revision");
    for (int i = 0; i < rows.rows(); ++i)
      revisions.push_back(static_cast<int>(rows.int64(i, 0)));
    return revisions;
  }

  void create_version_table() override { db_.exec_script(std::string(version_table)); }

  void transaction(const std::function<void()>& step) override {
    db_.exec_script("BEGIN");
    try {
      step();
      db_.exec_script("COMMIT");
    } catch (...) {
      if (db_.ok()) db_.exec_script("ROLLBACK");
      throw;
    }
  }

  void with_schema_lock(const std::function<void()>& body) override {
    // Waits for a node that is migrating: once it is done, there is nothing left to do.
    db_.exec("SELECT pg_advisory_lock($1, $2)", {space, schema_key});
    try {
      body();
    } catch (...) {
      if (db_.ok()) db_.exec("SELECT pg_advisory_unlock($1, $2)", {space, schema_key});
      throw;
    }
    db_.exec("SELECT pg_advisory_unlock($1, $2)", {space, schema_key});
  }

  void exec(const std::string& script) override { db_.exec_script(script); }

  void record(const Migration& m) override {
    db_.exec("INSERT INTO schema_migrations (revision, name) VALUES ($1, $2)",
             {m.revision, m.name});
  }

  void forget(int revision) override {
    db_.exec("DELETE FROM schema_migrations WHERE revision = $1", {revision});
  }

  std::string version_table_sql() const override { return std::string(version_table); }
  std::string begin_sql() const override { return "BEGIN;\n"; }
  std::string record_sql(const Migration& m) const override {
    return "INSERT INTO schema_migrations (revision, name) VALUES (" + std::to_string(m.revision) +
           ", " + sql_literal(m.name) + ");\n";
  }
  std::string forget_sql(int revision) const override {
    return "DELETE FROM schema_migrations WHERE revision = " + std::to_string(revision) + ";\n";
  }
  // The PostgreSQL scripts end each statement with a semicolon (a comment-only script of
  // a revision that concerns only the read model has none to end).
  std::string terminated(const std::string& sql) const override {
    if (!sql.empty() && sql.back() != '\n') return sql + "\n";
    return sql;
  }

 private:
  pg::Connection& db_;
};

}  // namespace

std::unique_ptr<SchemaDatabase> postgres_schema(pg::Connection& db) {
  return std::make_unique<PostgresSchema>(db);
}

}  // namespace catalog::db
