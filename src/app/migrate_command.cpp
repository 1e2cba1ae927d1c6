// `catalog migrate`: parses the migrate subcommands and runs them against the SQLite file
// or the PostgreSQL database, reporting each step on stdout and any failure as one line on stderr.
#include "app/migrate_command.hpp"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>

#include "db/migrations.hpp"
#include "db/sqlite.hpp"
#include "pg/connection.hpp"

namespace catalog::app {

namespace {

using Action = MigrateOptions::Action;

bool file_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

// A stand-in for a database file that does not exist: it reads as base, and looking at it
// or reverting it must not leave a new empty file behind.
std::unique_ptr<db::Connection> open_empty() {
  return std::make_unique<db::Connection>(":memory:", db::OpenMode::read_write_create);
}

// Read-only, so --sql, current and history are safe next to a running server.
std::unique_ptr<db::Connection> open_for_reading(const std::string& path) {
  if (!file_exists(path)) return open_empty();
  auto conn = std::make_unique<db::Connection>(path, db::OpenMode::read_only);
  db::wait_when_busy(*conn);
  return conn;
}

std::unique_ptr<db::Connection> open_for_writing(const std::string& path) {
  auto conn = std::make_unique<db::Connection>(path, db::OpenMode::read_write_create);
  db::configure(*conn, true);
  return conn;
}

std::string describe(const db::Migrator& migrator, int revision) {
  if (revision == 0) return "base";
  std::string line = db::format_revision(revision);
  if (const auto* m = migrator.find(revision)) {
    line += " " + m->name;
  } else {
    line += " (unknown to this binary)";
  }
  if (revision == migrator.head()) line += " (head)";
  return line;
}

void print_step(std::ostream& out, std::string_view verb, const db::Migration& m) {
  // Flushed per step: if a later revision fails, the ones already committed are on record.
  out << verb << ' ' << db::format_revision(m.revision) << ' ' << m.name << std::endl;
}

// The database a migrate command works on, opened as the command needs it: a SQLite file
// (read-only for --sql, current and history, so they are safe next to a running server)
// or a PostgreSQL database.
class Target {
 public:
  static Target sqlite(const std::string& path, bool write) {
    Target t;
    // A missing file has nothing to show or revert; opening it for writing would create it.
    t.sqlite_ = write ? open_for_writing(path) : open_for_reading(path);
    t.schema_ = db::sqlite_schema(*t.sqlite_);
    return t;
  }
  static Target postgres(const std::string& url) {
    Target t;
    t.pg_ = std::make_unique<pg::Connection>(pg::ConnectOptions{url, "catalog-migrate"});
    t.schema_ = db::postgres_schema(*t.pg_);
    return t;
  }
  db::SchemaDatabase& schema() { return *schema_; }

 private:
  std::unique_ptr<db::Connection> sqlite_;
  std::unique_ptr<pg::Connection> pg_;
  std::unique_ptr<db::SchemaDatabase> schema_;
};

using Open = std::function<Target(bool write)>;

int upgrade(const MigrateOptions& options, const Open& open, std::ostream& out) {
  auto target_db = open(!options.sql);
  db::Migrator migrator(target_db.schema(), db::embedded_migrations());
  int target = migrator.resolve_upgrade_target(options.upgrade_target);
  if (options.sql) {
    out << migrator.upgrade_sql(target);
    return 0;
  }
  int before = migrator.current();
  migrator.upgrade(target, [&out](const db::Migration& m) { print_step(out, "upgrade", m); });
  if (target == before) out << "already at " << describe(migrator, before) << '\n';
  return 0;
}

int downgrade(const MigrateOptions& options, const Open& open, std::ostream& out,
              std::ostream& err) {
  auto target_db = open(!options.sql);
  db::Migrator migrator(target_db.schema(), db::embedded_migrations());
  int target = migrator.resolve_downgrade_target(options.downgrade_target);
  if (options.sql) {
    out << migrator.downgrade_sql(target);
    return 0;
  }
  int before = migrator.current();
  if (target == 0 && before > 0 && !options.yes) {
    err << "catalog migrate: downgrading to base drops the event log and every event in it; "
           "add --yes to confirm\n";
    return 2;
  }
  migrator.downgrade(target, [&out](const db::Migration& m) { print_step(out, "downgrade", m); });
  if (target == before) out << "already at " << describe(migrator, before) << '\n';
  return 0;
}

int current(const Open& open, std::ostream& out) {
  auto target_db = open(false);
  db::Migrator migrator(target_db.schema(), db::embedded_migrations());
  out << describe(migrator, migrator.current()) << '\n';
  return 0;
}

int history(const Open& open, std::ostream& out) {
  auto target_db = open(false);
  db::Migrator migrator(target_db.schema(), db::embedded_migrations());
  auto applied = migrator.applied();
  int cur = applied.empty() ? 0 : applied.back();
  for (const auto& m : migrator.migrations()) {
    out << db::format_revision(m.revision) << ' ' << m.name;
    if (m.revision == cur) out << " (current)";
    if (m.revision == migrator.head()) out << " (head)";
    out << '\n';
  }
  // Revisions a newer binary applied: listed so the marked current one is never missing.
  for (int revision : applied) {
    if (migrator.find(revision)) continue;
    out << db::format_revision(revision) << " (unknown to this binary)";
    if (revision == cur) out << " (current)";
    out << '\n';
  }
  return 0;
}

int run(const MigrateOptions& options, const Open& open, std::ostream& out, std::ostream& err) {
  try {
    switch (options.action) {
      case Action::upgrade:
        return upgrade(options, open, out);
      case Action::downgrade:
        return downgrade(options, open, out, err);
      case Action::current:
        return current(open, out);
      case Action::history:
        return history(open, out);
      case Action::none:
        break;
    }
    err << "catalog migrate: expected upgrade, downgrade, current or history\n";
    return 2;
  } catch (const std::exception& e) {
    // One line, whatever the message: SQLite's can carry a newline from the failing SQL.
    std::string message = e.what();
    std::replace(message.begin(), message.end(), '\n', ' ');
    err << "catalog migrate: " << message << '\n';
    return 1;
  }
}

}  // namespace

CLI::App* add_migrate_command(CLI::App& app, MigrateOptions& options) {
  auto* migrate = app.add_subcommand("migrate", "Apply, revert and inspect schema migrations");
  migrate->require_subcommand(1);

  auto* up = migrate->add_subcommand("upgrade", "Apply migrations up to TARGET");
  up->add_option("target", options.upgrade_target, "head, a revision (0002) or +N")
      ->capture_default_str();
  up->add_flag("--sql", options.sql, "Print the SQL instead of running it");
  up->callback([&options] { options.action = Action::upgrade; });

  auto* down = migrate->add_subcommand("downgrade", "Revert migrations down to TARGET");
  down->add_option("target", options.downgrade_target, "-N, a revision (0001) or base")
      ->capture_default_str();
  down->add_flag("--sql", options.sql, "Print the SQL instead of running it");
  down->add_flag("--yes", options.yes, "Confirm a downgrade to base, which drops the event log");
  down->callback([&options] { options.action = Action::downgrade; });

  migrate->add_subcommand("current", "Print the applied revision")->callback([&options] {
    options.action = Action::current;
  });
  migrate->add_subcommand("history", "List every revision, the applied one marked")
      ->callback([&options] { options.action = Action::history; });
  return migrate;
}

int run_migrate(const MigrateOptions& options, const std::string& database_path, std::ostream& out,
                std::ostream& err) {
  return run(
      options,
      [&](bool write) {
        return Target::sqlite(database_path, write && (options.action == Action::upgrade ||
                                                       file_exists(database_path)));
      },
      out, err);
}

int run_migrate_postgres(const MigrateOptions& options, const std::string& url, std::ostream& out,
                         std::ostream& err) {
  return run(
      options, [&](bool) { return Target::postgres(url); }, out, err);
}

}  // namespace catalog::app
