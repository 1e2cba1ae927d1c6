// `catalog migrate upgrade|downgrade|current|history`: the command line over db::Migrator,
// registered on the CLI11 app and run by main once the arguments are parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <iostream>
#include <ostream>
#include <string>

namespace catalog::app {

struct MigrateOptions {
  enum class Action { none, upgrade, downgrade, current, history };
  Action action = Action::none;
  std::string upgrade_target = "head";
  std::string downgrade_target = "-1";
  bool sql = false;  // print the SQL instead of running it
  bool yes = false;  // confirms a downgrade to base, which drops the event log
};

// Adds `migrate` and its subcommands to `app`; parsing fills `options`, which must outlive
// the parse. Returns the `migrate` subcommand, whose parsed() says whether to run it.
CLI::App* add_migrate_command(CLI::App& app, MigrateOptions& options);

// Runs the parsed migrate subcommand against the database file at `database_path`.
// Returns the exit status: 0 done, 1 failed (one line on `err`), 2 a downgrade to base
// without --yes.
int run_migrate(const MigrateOptions& options, const std::string& database_path,
                std::ostream& out = std::cout, std::ostream& err = std::cerr);
// The same against the PostgreSQL database of a cluster (libpq URL).
int run_migrate_postgres(const MigrateOptions& options, const std::string& url,
                         std::ostream& out = std::cout, std::ostream& err = std::cerr);

}  // namespace catalog::app
