#include "app/catching_up_server.hpp"

#include <nlohmann/json.hpp>

#include "http/response.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace catalog::app {

namespace {

// The words of the real /health while a node catches up.
std::string problem(const CatchUpProgress& p) {
  if (p.log_head.load() == 0) return "catching up with the log: getting ready";
  return "catching up with the log: at " + std::to_string(p.position.load()) + " of " +
         std::to_string(p.log_head.load());
}

}  // namespace

CatchingUpServer::CatchingUpServer(const std::string& host, unsigned short port,
                                   const std::string& node_url, const CatchUpProgress& progress)
    : router_(std::make_unique<http::Router>()) {
  using http::beast_http::status;
  using http::beast_http::verb;
  const CatchUpProgress* p = &progress;
  router_->add(
      verb::get, "/health", http::OperationDoc("operations", "Health"),
      [p](http::RouteContext& ctx, http::Respond respond) {
        nlohmann::json body{{"status", "unavailable"},
                            {"role", "catching-up"},
                            {"position", p->position.load()},
                            {"problem", problem(*p)}};
        respond(http::json_response(ctx.request, status::service_unavailable, body.dump()));
      });
  router_->add(verb::get, "/cluster", http::OperationDoc("operations", "Cluster"),
               [node_url, p](http::RouteContext& ctx, http::Respond respond) {
                 nlohmann::json body{{"node", node_url},
                                     {"role", "follower"},
                                     {"writer", nullptr},
                                     {"position", p->position.load()},
                                     {"log_head", p->log_head.load()},
                                     {"nodes", nlohmann::json::array()}};
                 respond(http::json_response(ctx.request, status::ok, body.dump()));
               });
  router_->otherwise([p](http::RouteContext& ctx, http::Respond respond) {
    auto res = http::error_response(ctx.request, status::service_unavailable, problem(*p));
    res.set(http::beast_http::field::retry_after, "1");
    respond(std::move(res));
  });
  server_ = std::make_unique<http::Server>(*router_, http::Limits{}, host, port, 1,
                                           std::make_shared<http::ConnectionCount>(), metrics_);
  thread_ = std::thread([this] { server_->run(); });
}

CatchingUpServer::~CatchingUpServer() {
  server_->stop(std::chrono::milliseconds(200));
  thread_.join();
}

unsigned short CatchingUpServer::port() const {
  return server_->port();
}

}  // namespace catalog::app
