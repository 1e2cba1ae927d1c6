// The `catalog` command line: the server and the tools of its operators and auditors.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/audit_commands.hpp"
#include "app/buffered_log.hpp"
#include "app/cluster_node.hpp"
#include "app/config.hpp"
#include "app/copy_log_command.hpp"
#include "app/migrate_command.hpp"
#include "app/seed_command.hpp"
#include "app/serve.hpp"

namespace {

constexpr int usage_error = 2;

}  // namespace

int main(int argc, char** argv) {
  // Logs go to stderr: stdout carries what commands print (JSON lines, SQL, reports).
  spdlog::set_default_logger(spdlog::stderr_logger_mt("catalog"));
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  catalog::app::remember_command_line(argc, argv);
  CLI::App app{"catalog: an event-sourced product catalog service", "catalog"};
  app.require_subcommand(0, 1);
  auto* serve = app.add_subcommand("serve", "create/migrate the database and start the server");
  catalog::app::MigrateOptions migrate_options;
  auto* migrate = catalog::app::add_migrate_command(app, migrate_options);
  catalog::app::AuditOptions audit_options;
  auto audit = catalog::app::add_audit_commands(app, audit_options);
  catalog::app::CopyLogOptions copy_options;
  auto* copy_log = catalog::app::add_copy_log_command(app, copy_options);
  auto* seed = app.add_subcommand(
      "seed", "load the demo catalog (Rick and Morty goods) through ordinary commands");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "catalog: " << e.what() << "\n"
              << "usage: catalog [serve|migrate|replay|verify|events|audit|seed|copy-log] ... "
                 "(see catalog --help)\n";
    return usage_error;
  }

  // An auditor's client of a remote service: the local configuration is none of its business.
  if (audit.check->parsed()) return catalog::app::run_audit_check(audit_options.check);

  catalog::app::Config config;
  bool serving = app.get_subcommands().empty() || serve->parsed();
  try {
    config = catalog::app::load_config(catalog::app::gather_environment());
    if (serving) catalog::app::check_cluster_node(config);
  } catch (const catalog::app::ConfigError& e) {
    std::cerr << "catalog: configuration error: " << e.what() << "\n";
    return 1;
  }

  try {
    const std::string& path = catalog::app::local_database(config);
    if (migrate->parsed()) {
      if (config.postgres_url)
        return catalog::app::run_migrate_postgres(migrate_options, *config.postgres_url);
      return catalog::app::run_migrate(migrate_options, path);
    }
    if (audit.replay->parsed()) return catalog::app::run_replay(path);
    if (audit.verify->parsed()) return catalog::app::run_verify(audit_options, config);
    if (audit.events->parsed()) return catalog::app::run_events(audit_options, config);
    if (copy_log->parsed()) return catalog::app::run_copy_log(copy_options, config);
    if (seed->parsed()) return catalog::app::run_seed(config);
    (void)serve;  // plain `catalog` serves too
    return catalog::app::serve(config);
  } catch (const std::exception& e) {
    catalog::app::flush_log();  // what was logged before comes first
    // One line, no stack trace: a database that cannot be opened is an operator's problem.
    std::cerr << "catalog: " << e.what() << std::endl;
    return 1;
  }
}
