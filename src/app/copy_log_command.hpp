// `catalog copy-log --to URL`: copies this configuration's event log into another database
// (a SQLite file or a PostgreSQL database) that holds no events yet, positions and hashes
// unchanged, checking the chain as it goes. All or nothing: the copy is one transaction, and
// a broken link stops it with nothing copied.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "app/config.hpp"

namespace catalog::app {

struct CopyLogOptions {
  std::string to;  // DATABASE_URL-style: sqlite:///PATH or postgresql://...
};

CLI::App* add_copy_log_command(CLI::App& app, CopyLogOptions& options);

// Exit status: 0 copied, 1 refused or failed (one line on stderr).
int run_copy_log(const CopyLogOptions& options, const Config& config);

}  // namespace catalog::app
