// `catalog seed`: the demo catalog of the original app's world (portal gun, plumbus,
// Meeseeks box, ...), recorded through the same commands as the API so it is in the log.
#pragma once

#include <string>

#include "app/config.hpp"

namespace catalog::app {

// Returns the exit status. Running it again adds nothing that is already there. On a
// single node it runs the commands itself; on a cluster it sends them through the API of
// the node at CATALOG_NODE_URL (which forwards them to the writer).
int run_seed(const Config& config);

}  // namespace catalog::app
