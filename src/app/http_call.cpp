#include "app/http_call.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <stdexcept>

namespace catalog::app {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace beast_http = beast::http;

HttpReply http_call(const std::string& base_url, beast_http::verb method, const std::string& target,
                    const std::string& body,
                    const std::vector<std::pair<std::string, std::string>>& headers) {
  auto scheme = base_url.find("://");
  std::string authority = scheme == std::string::npos ? base_url : base_url.substr(scheme + 3);
  auto colon = authority.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("no port in " + base_url);
  net::io_context ioc;
  net::ip::tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(30));
  beast::error_code ec;
  auto hosts = resolver.resolve(authority.substr(0, colon), authority.substr(colon + 1), ec);
  if (!ec) stream.connect(hosts, ec);
  if (ec) throw std::runtime_error("cannot reach " + base_url + ": " + ec.message());
  beast_http::request<beast_http::string_body> req{method, target, 11};
  req.set(beast_http::field::host, authority);
  req.set(beast_http::field::content_type, "application/json");
  for (const auto& [name, value] : headers)
    req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  beast_http::write(stream, req, ec);
  beast::flat_buffer buffer;
  beast_http::response<beast_http::string_body> res;
  if (!ec) beast_http::read(stream, buffer, res, ec);
  if (ec) throw std::runtime_error("no answer from " + base_url + ": " + ec.message());
  return HttpReply{static_cast<int>(res.result_int()), std::move(res.body())};
}

}  // namespace catalog::app
