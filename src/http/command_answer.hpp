// Sends a command to the catalog and turns its outcome into the HTTP answer, once the
// change is durable and visible (or refused). An Idempotency-Key is checked here and sent
// along; on a cluster node the command may be decided by another node (cluster_mutation).
#pragma once

#include <functional>

#include "events/command.hpp"
#include "events/views.hpp"
#include "http/idempotency_key.hpp"
#include "http/router.hpp"
#include "http/services.hpp"

namespace catalog::http {

// The session keeps the request alive until it has written the answer, so the reply may
// refer to it from the actor's thread.
void submit_command(const Services& services, const RouteContext& ctx, events::Command command,
                    SuccessAnswer success, Respond respond);

}  // namespace catalog::http
