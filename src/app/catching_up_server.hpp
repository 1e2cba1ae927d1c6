// What a cluster node's port answers while it copies the log before it starts (a new node,
// or one long down): /health and /cluster say it is catching up, everything else is 503
// with Retry-After, so that a load balancer keeps clients away without a refused connection.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "metrics/metrics.hpp"

namespace catalog::http {
class Router;
class Server;
}  // namespace catalog::http

namespace catalog::app {

// Where the node's read model is and the shared log's head, as the copy goes (0 before it
// knows them).
struct CatchUpProgress {
  std::atomic<int64_t> position{0};
  std::atomic<int64_t> log_head{0};
};

class CatchingUpServer {
 public:
  // Listens at once; `port` 0 picks one (the real server takes the same one afterwards).
  CatchingUpServer(const std::string& host, unsigned short port, const std::string& node_url,
                   const CatchUpProgress& progress);
  ~CatchingUpServer();  // stops listening
  unsigned short port() const;

 private:
  metrics::Metrics metrics_;  // of the catching-up answers, never shown
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
};

}  // namespace catalog::app
