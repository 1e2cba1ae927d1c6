// The auditors' command line: `catalog replay`, `catalog verify`, `catalog events` on the
// database, and `catalog audit check` against a running service.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "app/audit_check_command.hpp"
#include "app/config.hpp"

namespace catalog::app {

struct AuditOptions {
  int64_t after = 0;                       // events --after
  std::optional<std::string> stream;       // events --stream
  std::optional<int64_t> digest_position;  // verify --position
  std::optional<std::string> digest_hash;  // verify --hash
  AuditCheckOptions check;                 // audit check
};

struct AuditCommands {
  CLI::App* replay;
  CLI::App* verify;
  CLI::App* events;
  CLI::App* check;  // audit check
};

AuditCommands add_audit_commands(CLI::App& app, AuditOptions& options);

// Each returns the exit status: 0 done (verify: the log and the read model hold), 1 not.
// On PostgreSQL, replay rebuilds the node's read model from its copy of the log, verify
// checks the shared log's chain and the node's read model (if it has one) against it, and
// events reads the shared log.
int run_replay(const std::string& database_path);
int run_verify(const AuditOptions& options, const Config& config);
int run_events(const AuditOptions& options, const Config& config);

}  // namespace catalog::app
