// `catalog seed`: the demo catalog of the original app's world (portal gun, plumbus,
// Meeseeks box, ...), recorded through the same commands as the API so it is in the log.
#pragma once

#include <string>

namespace catalog::app {

// Returns the exit status. Running it again adds nothing that is already there.
int run_seed(const std::string& database_path);

}  // namespace catalog::app
