// `catalog serve`: opens (or creates) the database, applies pending migrations, starts the
// actors and the HTTP server, and runs until SIGINT or SIGTERM.
#pragma once

#include "app/config.hpp"

namespace catalog::app {

// Returns the process exit status.
int serve(const Config& config);

}  // namespace catalog::app
