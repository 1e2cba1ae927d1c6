// Operations: health.
#include <nlohmann/json.hpp>

#include "events/event_store.hpp"
#include "http/response.hpp"
#include "http/routes.hpp"

namespace catalog::http {

void add_ops_routes(Router& router, const Services& svc) {
  router.add(beast_http::verb::get, "/health", [svc](RouteContext& ctx, Respond respond) {
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

}  // namespace catalog::http
