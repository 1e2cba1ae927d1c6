// Operations: health and the OpenAPI document.
#include <nlohmann/json.hpp>

#include "events/event_store.hpp"
#include "http/openapi.hpp"
#include "http/response.hpp"
#include "http/routes.hpp"

namespace catalog::http {

void add_ops_routes(Router& router, const Services& svc) {
  router.add(beast_http::verb::get, "/health",
             OperationDoc("operations", "Health")
                 .returns(200, "The event log is reachable; position is its head", "Health")
                 .fails({503}),
             [svc](RouteContext& ctx, Respond respond) {
               try {
                 events::EventStore store(svc.reads->get());
                 nlohmann::json body{{"status", "ok"}, {"position", store.head().position}};
                 respond(json_response(ctx.request, beast_http::status::ok, body.dump()));
               } catch (const std::exception& ex) {
                 respond(error_response(ctx.request, beast_http::status::service_unavailable,
                                        "the event log is not readable"));
               }
             });
}

void add_openapi_route(Router& router) {
  // The document describes the router that serves it, this route included.
  router.add(beast_http::verb::get, "/openapi.json",
             OperationDoc("operations", "This OpenAPI document").returns(200, "OpenAPI 3"),
             [](RouteContext& ctx, Respond respond) {
               respond(json_response(ctx.request, beast_http::status::ok,
                                     openapi_document(*ctx.router).dump()));
             });
}

}  // namespace catalog::http
