#include "http/routes.hpp"

namespace catalog::http {

Router make_router(const Services& services) {
  Router router;
  add_named_routes(router, services, events::Resource::category);
  add_named_routes(router, services, events::Resource::tag);
  add_product_routes(router, services);
  add_event_routes(router, services);
  add_audit_proof_routes(router, services);
  add_ops_routes(router, services);
  add_metrics_route(router, services);
  add_subscriber_routes(router, services);
  add_openapi_route(router);
  add_docs_routes(router, services);
  return router;
}

}  // namespace catalog::http
