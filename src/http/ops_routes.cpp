// Operations: health, metrics and the OpenAPI document.
#include <nlohmann/json.hpp>

#include "events/event_store.hpp"
#include "http/openapi.hpp"
#include "http/response.hpp"
#include "http/routes.hpp"
#include "notify/checkpoint.hpp"
#include "projections/catalog_projection.hpp"

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

void add_metrics_route(Router& router, const Services& svc) {
  router.add(beast_http::verb::get, "/metrics",
             OperationDoc("operations", "Prometheus metrics")
                 .describe("Requests by route template and status, latency, events appended, "
                           "group-commit sizes, projection lag, notifier queue and failures, "
                           "open connections.")
                 .returns_media(200, "Prometheus text exposition format", "text/plain"),
             [svc](RouteContext& ctx, Respond respond) {
               metrics::Metrics::Snapshot snapshot;
               auto& db = svc.reads->get();
               snapshot.head = events::EventStore(db).head().position;
               snapshot.projection = projections::CatalogProjection(db).checkpoint();
               if (svc.notifications) snapshot.notifier = notify::read_checkpoint(db);
               snapshot.open_connections =
                   svc.connections ? static_cast<int64_t>(svc.connections->connections.load()) : 0;
               auto res = json_response(ctx.request, beast_http::status::ok,
                                        svc.metrics->render(snapshot));
               res.set(beast_http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
               respond(std::move(res));
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
