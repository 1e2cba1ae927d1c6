#include "cluster/forwarder.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <optional>

namespace catalog::cluster {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {

// The writer closes a keep-alive connection that idles 15 s (http/limits.hpp); one idle for
// less than this is still open, and sending on it does not race the close.
constexpr auto max_idle = std::chrono::seconds(5);
constexpr size_t max_idle_per_writer = 64;
constexpr std::uint64_t max_answer = 16 * 1024 * 1024;

}  // namespace

struct Forwarder::Connection {
  explicit Connection(net::io_context& ioc, std::string base)
      : stream(ioc), resolver(ioc), base_url(std::move(base)) {}
  beast::tcp_stream stream;
  net::ip::tcp::resolver resolver;
  std::string base_url;
  beast::flat_buffer buffer;
  Request request;
  std::optional<beast_http::response_parser<beast_http::string_body>> parser;
  std::chrono::steady_clock::time_point idle_since;
  bool connected = false;
};

Forwarder::Forwarder() : work_(net::make_work_guard(ioc_)), thread_([this] { ioc_.run(); }) {}

Forwarder::~Forwarder() {
  work_.reset();
  ioc_.stop();
  thread_.join();
}

void Forwarder::send(const std::string& base_url, Request request,
                     std::chrono::milliseconds timeout, std::function<void(Answer)> done) {
  net::post(ioc_, [this, base_url, request = std::move(request), timeout,
                   done = std::move(done)]() mutable {
    start(base_url, std::move(request), timeout, std::move(done));
  });
}

std::shared_ptr<Forwarder::Connection> Forwarder::take_idle(const std::string& base_url) {
  auto& pool = idle_[base_url];
  auto now = std::chrono::steady_clock::now();
  while (!pool.empty()) {
    auto c = std::move(pool.back());
    pool.pop_back();
    if (now - c->idle_since < max_idle) return c;
  }
  return nullptr;
}

void Forwarder::start(const std::string& base_url, Request request,
                      std::chrono::milliseconds timeout, std::function<void(Answer)> done) {
  auto c = take_idle(base_url);
  if (!c) c = std::make_shared<Connection>(ioc_, base_url);
  // "http://host:port": the node URL is checked in that form at start-up.
  std::string authority = base_url.substr(base_url.find("://") + 3);
  request.set(beast_http::field::host, authority);
  request.keep_alive(true);
  request.prepare_payload();
  c->request = std::move(request);
  if (c->connected) return exchange(std::move(c), timeout, std::move(done));
  auto colon = authority.rfind(':');
  std::string host = authority.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  c->resolver.async_resolve(
      host, authority.substr(colon + 1),
      [this, c, timeout, done = std::move(done)](beast::error_code ec,
                                                 net::ip::tcp::resolver::results_type hosts) {
        if (ec) return done(Answer{false, {}, "cannot resolve the writer: " + ec.message()});
        c->stream.expires_after(timeout);
        c->stream.async_connect(
            hosts, [this, c, timeout, done](beast::error_code cec, const auto&) {
              if (cec)
                return done(Answer{false, {}, "cannot connect to the writer: " + cec.message()});
              c->connected = true;
              exchange(c, timeout, done);
            });
      });
}

void Forwarder::exchange(std::shared_ptr<Connection> c, std::chrono::milliseconds timeout,
                         std::function<void(Answer)> done) {
  c->stream.expires_after(timeout);
  beast_http::async_write(
      c->stream, c->request, [this, c, done = std::move(done)](beast::error_code ec, std::size_t) {
        if (ec) return done(Answer{false, {}, "sending to the writer failed: " + ec.message()});
        c->parser.emplace();
        c->parser->body_limit(max_answer);
        beast_http::async_read(
            c->stream, c->buffer, *c->parser, [this, c, done](beast::error_code rec, std::size_t) {
              if (rec)
                return done(Answer{false, {}, "no answer from the writer: " + rec.message()});
              Answer answer{true, c->parser->release(), {}};
              c->parser.reset();
              if (answer.response.keep_alive()) {
                c->stream.expires_never();
                c->idle_since = std::chrono::steady_clock::now();
                auto& pool = idle_[c->base_url];
                if (pool.size() < max_idle_per_writer) pool.push_back(c);
              }
              done(std::move(answer));
            });
      });
}

}  // namespace catalog::cluster
