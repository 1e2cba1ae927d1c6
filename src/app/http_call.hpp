// One blocking HTTP/1.1 exchange, for command-line tools that talk to a running node
// (`catalog seed` on a cluster).
#pragma once

#include <boost/beast/http.hpp>
#include <string>
#include <utility>
#include <vector>

namespace catalog::app {

struct HttpReply {
  int status = 0;
  std::string body;
};

// `base_url` is "http://host:port". Throws std::runtime_error when there is no answer.
HttpReply http_call(const std::string& base_url, boost::beast::http::verb method,
                    const std::string& target, const std::string& body = "",
                    const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace catalog::app
