// The migration runner's view of a SQLite database: its schema_migrations table, and each
// revision in a BEGIN IMMEDIATE transaction (which takes the write lock at once).
#include <memory>

#include "db/code_steps.hpp"
#include "db/migrations.hpp"

namespace catalog::db {

namespace {

constexpr std::string_view version_table =
    "CREATE TABLE IF NOT EXISTS schema_migrations (\n"
    "  revision   INTEGER PRIMARY KEY,\n"
    "  name       TEXT NOT NULL,\n"
    "  applied_at TEXT NOT NULL\n"
    ");\n";

class SqliteSchema : public SchemaDatabase {
 public:
  explicit SqliteSchema(Connection& db) : db_(db) {}

  Dialect dialect() const override { return Dialect::sqlite; }

  std::vector<int> applied() override {
    std::vector<int> revisions;
    {
      // Asked first because a statement naming a missing table would not even prepare.
      Reset exists(db_.cached(
          "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"));
      if (!exists->step()) return revisions;
    }
    Reset rows(db_.cached("SELECT revision FROM schema_migrations ORDER BY revision"));
    while (rows->step())
      revisions.push_back(static_cast<int>(rows->int64(0)));
    return revisions;
  }

  void create_version_table() override { db_.exec(std::string(version_table)); }

  void transaction(const std::function<void()>& step) override {
    Transaction tx(db_);
    step();
    tx.commit();
  }

  void exec(const std::string& script) override { db_.exec(script); }
  void complete(const Migration& m) override { complete_in_code(db_, m); }

  void record(const Migration& m) override {
    db_.cached(
           "INSERT INTO schema_migrations (revision, name, applied_at) "
           "VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))")
        .bind(1, m.revision)
        .bind(2, m.name)
        .run();
  }

  void forget(int revision) override {
    db_.cached("DELETE FROM schema_migrations WHERE revision = ?1").bind(1, revision).run();
  }

  std::string version_table_sql() const override { return std::string(version_table); }
  std::string begin_sql() const override { return "BEGIN IMMEDIATE;\n"; }
  std::string record_sql(const Migration& m) const override {
    return "INSERT INTO schema_migrations (revision, name, applied_at) VALUES (" +
           std::to_string(m.revision) + ", " + sql_literal(m.name) +
           ", strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));\n";
  }
  std::string forget_sql(int revision) const override {
    return "DELETE FROM schema_migrations WHERE revision = " + std::to_string(revision) + ";\n";
  }

  // A last statement without its semicolon would otherwise swallow the statement that
  // follows it in the printed script.
  std::string terminated(const std::string& sql) const override {
    std::string out = sql;
    if (!out.empty() && out.back() != '\n') out += '\n';
    if (!sqlite3_complete(out.c_str())) out += ";\n";
    return out;
  }

 private:
  Connection& db_;
};

}  // namespace

std::unique_ptr<SchemaDatabase> sqlite_schema(Connection& db) {
  return std::make_unique<SqliteSchema>(db);
}

}  // namespace catalog::db
