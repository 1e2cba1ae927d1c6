// Counts open connections and requests in flight: the connection cap, the metrics and the
// graceful shutdown that waits for answers all read it.
#pragma once

#include <atomic>
#include <cstddef>

namespace catalog::http {

class ConnectionCount {
 public:
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> in_flight{0};
};

}  // namespace catalog::http
