// A blocking HTTP/1.1 client for the integration tests: one connection per request, as a
// plain client would, plus raw byte exchanges for malformed requests.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace catalog::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpResponse http_request(unsigned short port, const std::string& method, const std::string& target,
                          const std::string& body = "", const Headers& headers = {});

inline HttpResponse http_get(unsigned short port, const std::string& target) {
  return http_request(port, "GET", target);
}
inline HttpResponse http_post(unsigned short port, const std::string& target,
                              const nlohmann::json& body, const Headers& headers = {}) {
  return http_request(port, "POST", target, body.dump(), headers);
}
inline HttpResponse http_put(unsigned short port, const std::string& target,
                             const nlohmann::json& body, const Headers& headers = {}) {
  return http_request(port, "PUT", target, body.dump(), headers);
}
inline HttpResponse http_delete(unsigned short port, const std::string& target,
                                const Headers& headers = {}) {
  return http_request(port, "DELETE", target, "", headers);
}

// Sends `bytes` as they are and returns what the server answers until it closes the
// connection or `timeout_ms` passes.
std::string raw_exchange(unsigned short port, const std::string& bytes, int timeout_ms = 3000);

}  // namespace catalog::testing
