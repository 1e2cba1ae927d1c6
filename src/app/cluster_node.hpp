// What a cluster node does around its server: before it serves, the shared PostgreSQL log
// reachable and migrated (nodes started together migrate in turn) and the node's own read
// model file migrated; and when the log turns out not to continue the history the read model
// holds, the read model set aside and the process started again, to build it anew.
#pragma once

#include <string>

#include "app/config.hpp"

namespace catalog::app {

// Throws with one clear line (never the password) when PostgreSQL cannot be used.
void prepare_cluster_node(const Config& config);

// Kept by main for rebuild_and_restart().
void remember_command_line(int argc, char** argv);

// Renames the read model file (and its WAL) to "<file>.forked-<seconds since the epoch>",
// kept for inspection, and executes this program again with the same arguments. Returns
// only if that fails.
void rebuild_and_restart(const Config& config, const std::string& why);

}  // namespace catalog::app
