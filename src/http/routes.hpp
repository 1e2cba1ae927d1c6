// Every route of the service, in one place: the router is built here from the route groups.
#pragma once

#include "http/router.hpp"
#include "http/services.hpp"

namespace catalog::http {

Router make_router(const Services& services);

// The route groups, each in its own file.
void add_named_routes(Router& router, const Services& services, events::Resource kind);
void add_product_routes(Router& router, const Services& services);
void add_event_routes(Router& router, const Services& services);
void add_audit_proof_routes(Router& router, const Services& services);
void add_ops_routes(Router& router, const Services& services);
void add_metrics_route(Router& router, const Services& services);
void add_subscriber_routes(Router& router, const Services& services);
// The document it serves lists every route of the router that serves it.
void add_openapi_route(Router& router);
void add_docs_routes(Router& router, const Services& services);

}  // namespace catalog::http
