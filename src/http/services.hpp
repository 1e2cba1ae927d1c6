// What the route handlers use of the rest of the service: a way to hand a command to the
// catalog actor and the read connections. Tests can fill it with fakes.
#pragma once

#include <functional>

#include "db/thread_connections.hpp"
#include "events/command.hpp"
#include "events/views.hpp"

namespace catalog::http {

// The reply is called once, from another thread, with the command's outcome.
using Submit = std::function<void(events::Command, std::function<void(events::Outcome)> reply)>;

struct Services {
  Submit submit;
  db::ThreadConnections* reads = nullptr;
};

}  // namespace catalog::http
