// `catalog audit check --url URL [--state FILE] [--json]`: the auditor's client of API.md
// "Proofs for auditors", and its report on stdout and stderr.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace catalog::app {

struct AuditCheckOptions {
  std::string url;
  std::string state_file = "catalog-audit.json";
  bool json = false;
};

CLI::App* add_audit_check_command(CLI::App& audit, AuditCheckOptions& options);

// 0 when every check held (the new head is then saved), 1 with the first failure on stderr.
int run_audit_check(const AuditCheckOptions& options);

}  // namespace catalog::app
