// Operations: health, metrics and the OpenAPI document.
#include <nlohmann/json.hpp>

#include "cluster/node_state.hpp"
#include "events/event_store.hpp"
#include "http/openapi.hpp"
#include "http/response.hpp"
#include "http/routes.hpp"
#include "notify/checkpoint.hpp"
#include "projections/catalog_projection.hpp"

namespace catalog::http {

namespace {

using cluster::Role;

// A cluster node's health: ready while it is the writer or an up-to-date follower.
Response cluster_health(const Request& req, const Services& svc) {
  Role role = svc.node->role();
  int64_t position = svc.read_position->get();
  nlohmann::json body{{"role", cluster::role_name(role)}, {"position", position}};
  bool ready = role == Role::writer || role == Role::follower;
  body["status"] = ready ? "ok" : "unavailable";
  if (role == Role::catching_up)
    body["problem"] = "catching up with the log: at " + std::to_string(position) + " of " +
                      std::to_string(svc.node->log_head());
  if (role == Role::disconnected) body["problem"] = "PostgreSQL cannot be reached";
  if (auto why = svc.node->fork_reason()) body["problem"] = *why;
  return json_response(
      req, ready ? beast_http::status::ok : beast_http::status::service_unavailable, body.dump());
}

// /cluster speaks of three roles: a node still catching up follows, a forked one is cut off.
std::string_view cluster_role(Role role) {
  if (role == Role::catching_up) return "follower";
  if (role == Role::forked) return "disconnected";
  return cluster::role_name(role);
}

nlohmann::json cluster_view(const Services& svc) {
  if (!svc.node) {
    // A single SQLite node is its own writer, and the whole cluster.
    int64_t head = events::EventStore(svc.reads->get()).head().position;
    std::string now = events::format_iso(events::now_millis());
    return {
        {"node", svc.node_url},
        {"role", "writer"},
        {"writer", svc.node_url},
        {"position", head},
        {"log_head", head},
        {"nodes",
         nlohmann::json::array(
             {{{"url", svc.node_url}, {"role", "writer"}, {"position", head}, {"seen_at", now}}})}};
  }
  auto nodes = nlohmann::json::array();
  for (const auto& m : svc.node->members())
    nodes.push_back(
        {{"url", m.url}, {"role", m.role}, {"position", m.position}, {"seen_at", m.seen_at}});
  auto writer = svc.node->writer_url();
  return {{"node", svc.node->url()},
          {"role", cluster_role(svc.node->role())},
          {"writer", writer ? nlohmann::json(*writer) : nlohmann::json(nullptr)},
          {"position", svc.read_position->get()},
          {"log_head", std::max(svc.node->log_head(), svc.read_position->get())},
          {"nodes", std::move(nodes)}};
}

}  // namespace

void add_ops_routes(Router& router, const Services& svc) {
  router.add(beast_http::verb::get, "/health",
             OperationDoc("operations", "Health")
                 .describe("On a cluster node, ready (200) while it is the writer or a follower "
                           "that has caught up with the log; 503 while it catches up, cannot "
                           "reach PostgreSQL (role disconnected) or stopped on a forked log.")
                 .returns(200, "The event log is reachable; position is its head", "Health")
                 .returns(503, "Not ready, or the event log cannot be read", "HealthUnavailable"),
             [svc](RouteContext& ctx, Respond respond) {
               if (svc.node) return respond(cluster_health(ctx.request, svc));
               try {
                 events::EventStore store(svc.reads->get());
                 nlohmann::json body{
                     {"status", "ok"}, {"position", store.head().position}, {"role", "writer"}};
                 respond(json_response(ctx.request, beast_http::status::ok, body.dump()));
               } catch (const std::exception& ex) {
                 respond(error_response(ctx.request, beast_http::status::service_unavailable,
                                        "the event log is not readable"));
               }
             });

  router.add(
      beast_http::verb::get, "/cluster",
      OperationDoc("operations", "The cluster as this node sees it")
          .describe("This node, its role and read-model position, the writer's URL, the "
                    "head of the shared log and every node seen in the last 30 s. A "
                    "single SQLite node is its own writer.")
          .returns(200, "The cluster", "Cluster"),
      [svc](RouteContext& ctx, Respond respond) {
        respond(json_response(ctx.request, beast_http::status::ok, cluster_view(svc).dump()));
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
               snapshot.projection = projections::CatalogProjection(db).checkpoint();
               if (svc.node) {
                 // A cluster node's lag is behind the shared log's head as last seen.
                 snapshot.head = std::max(svc.node->log_head(), snapshot.projection);
               } else {
                 snapshot.head = events::EventStore(db).head().position;
               }
               snapshot.notifications = svc.notifications;
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
