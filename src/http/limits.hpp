// The limits every connection lives by (API.md: 1 MiB bodies, 64 KiB request heads).
#pragma once

#include <chrono>
#include <cstddef>

namespace catalog::http {

struct Limits {
  std::size_t max_body = 1024 * 1024;
  std::size_t max_head = 64 * 1024;
  // From the end of one answer (or the connect) to the end of the next request's head:
  // cuts idle keep-alive connections and clients that dribble their headers.
  std::chrono::seconds head_timeout{15};
  std::chrono::seconds body_timeout{30};
  std::chrono::seconds write_timeout{30};
  std::size_t max_connections = 10000;
};

}  // namespace catalog::http
