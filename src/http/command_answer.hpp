// Sends a command to the catalog and turns its outcome into the HTTP answer, once the
// change is durable and visible (or refused).
#pragma once

#include <functional>

#include "events/command.hpp"
#include "events/views.hpp"
#include "http/router.hpp"
#include "http/services.hpp"

namespace catalog::http {

// Builds the success answer from the entity the command left (or Deleted).
using SuccessAnswer = std::function<Response(const Request&, const events::Outcome&)>;

// The session keeps the request alive until it has written the answer, so the reply may
// refer to it from the actor's thread.
void submit_command(const Services& services, const RouteContext& ctx, events::Command command,
                    SuccessAnswer success, Respond respond);

}  // namespace catalog::http
