#include "http/session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/string.hpp>
#include <cstdio>
#include <random>

#include "db/sqlite.hpp"
#include "http/connection_count.hpp"
#include "http/framing.hpp"
#include "http/query_readers.hpp"
#include "http/response.hpp"

namespace catalog::http {

namespace beast = boost::beast;
namespace net = boost::asio;

namespace {

Request bare_request() {
  Request req;
  req.version(11);
  req.keep_alive(false);
  return req;
}

const std::string continue_100 = "HTTP/1.1 100 Continue\r\n\r\n";

std::string new_request_id() {
  thread_local std::mt19937_64 random(std::random_device{}());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(random()));
  return buf;
}

// A client's own X-Request-ID is kept if it is short and plain, so it can be found in the
// logs; anything else is replaced rather than logged as sent.
std::string request_id_for(const Request& req) {
  auto it = req.find("X-Request-ID");
  if (it != req.end()) {
    std::string_view v = it->value();
    bool plain = !v.empty() && v.size() <= 64 && std::all_of(v.begin(), v.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
    if (plain) return std::string(v);
  }
  return new_request_id();
}

}  // namespace

Session::Session(net::ip::tcp::socket socket, const Router& router, const Limits& limits,
                 std::shared_ptr<ConnectionCount> count, metrics::Metrics& metrics,
                 projections::ReadPosition* position)
    : stream_(std::move(socket)),
      router_(router),
      limits_(limits),
      count_(std::move(count)),
      metrics_(metrics),
      position_(position) {
  ++count_->connections;
}

Session::~Session() {
  --count_->connections;
}

void Session::start() {
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&Session::read_head, shared_from_this()));
}

void Session::read_head() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(limits_.max_head));
  parser_->body_limit(limits_.max_body);
  stream_.expires_after(limits_.head_timeout);
  beast_http::async_read_header(stream_, buffer_, *parser_,
                                beast::bind_front_handler(&Session::on_head, shared_from_this()));
}

void Session::on_head(beast::error_code ec, std::size_t) {
  if (ec == beast_http::error::body_limit) {
    // Beast checks a declared Content-Length against the limit with the head.
    return refuse(beast_http::status::payload_too_large, "Request body larger than 1 MiB");
  }
  if (ec == beast_http::error::header_limit) {
    return refuse(beast_http::status::request_header_fields_too_large,
                  "Request head (line and headers) larger than 64 KiB");
  }
  if (ec == beast_http::error::bad_content_length ||
      ec == beast_http::error::bad_transfer_encoding) {
    return refuse(beast_http::status::bad_request,
                  "Conflicting Content-Length and Transfer-Encoding headers");
  }
  if (ec &&
      ec.category() == beast_http::make_error_code(beast_http::error::bad_method).category() &&
      ec != beast_http::error::end_of_stream && ec != beast_http::error::partial_message) {
    return refuse(beast_http::status::bad_request, "Malformed HTTP request");
  }
  if (ec) return close();  // end of stream, time-out, reset: nobody to answer

  const auto& head = parser_->get();
  if (ambiguous_framing(head)) {
    return refuse(beast_http::status::bad_request,
                  "Conflicting Content-Length and Transfer-Encoding headers");
  }
  // The declared length alone decides: the body is never read.
  if (auto length = parser_->content_length(); length && *length > limits_.max_body) {
    return refuse(beast_http::status::payload_too_large, "Request body larger than 1 MiB");
  }
  if (parser_->is_done()) return dispatch();

  auto read_body = [self = shared_from_this()] {
    self->stream_.expires_after(self->limits_.body_timeout);
    beast_http::async_read(self->stream_, self->buffer_, *self->parser_,
                           beast::bind_front_handler(&Session::on_body, self));
  };
  auto expect = head.find(beast_http::field::expect);
  if (expect != head.end() && beast::iequals(expect->value(), "100-continue")) {
    // curl waits for this before it sends a body over 1 KiB.
    net::async_write(stream_, net::buffer(continue_100),
                     [self = shared_from_this(), read_body](beast::error_code wec, std::size_t) {
                       if (wec) return self->close();
                       read_body();
                     });
    return;
  }
  read_body();
}

void Session::on_body(beast::error_code ec, std::size_t) {
  if (ec == beast_http::error::body_limit) {
    return refuse(beast_http::status::payload_too_large, "Request body larger than 1 MiB");
  }
  if (ec == beast::error::timeout || ec == beast_http::error::end_of_stream ||
      ec == net::error::eof || ec == net::error::connection_reset)
    return close();
  if (ec) return refuse(beast_http::status::bad_request, "Malformed request body");
  dispatch();
}

void Session::dispatch() {
  request_ = parser_->release();
  started_ = std::chrono::steady_clock::now();
  request_id_ = request_id_for(request_);
  ++count_->in_flight;
  auto answered = std::make_shared<std::atomic<bool>>(false);
  Respond respond = [self = shared_from_this(), answered](Response res) {
    if (answered->exchange(true)) return;  // a second answer would corrupt the stream
    net::dispatch(self->stream_.get_executor(),
                  [self, res = std::move(res)]() mutable { self->answer(std::move(res)); });
  };
  TakeConnection take = [self = shared_from_this()](auto hand_over) {
    --self->count_->in_flight;
    self->record(200);
    hand_over(std::move(self->stream_), self->count_);
  };
  route_ = "unmatched";  // until the router names it
  auto min = request_.find("Catalog-Min-Position");
  bool read =
      request_.method() == beast_http::verb::get || request_.method() == beast_http::verb::head;
  if (position_ && read && min != request_.end()) {
    auto wanted = parse_number<int64_t>(min->value());
    if (!wanted || *wanted < 0) {
      return respond(parameter_error(request_, "header", "catalog-min-position",
                                     "value is not a valid non-negative integer",
                                     "type_error.integer"));
    }
    if (position_->get() < *wanted) {
      // Answered once this node's read model has the position the client has seen
      // elsewhere, or 503 after 5 s: never an answer older than what it already knows.
      position_->wait(*wanted, std::chrono::seconds(5),
                      [self = shared_from_this(), respond, take](bool reached) mutable {
                        net::post(self->stream_.get_executor(), [self, reached, respond, take] {
                          if (reached) return self->route(respond, take);
                          auto res = error_response(
                              self->request_, beast_http::status::service_unavailable,
                              "this node has not reached Catalog-Min-Position yet; retry");
                          res.set(beast_http::field::retry_after, "1");
                          respond(std::move(res));
                        });
                      });
      return;
    }
  }
  route(std::move(respond), std::move(take));
}

void Session::route(Respond respond, TakeConnection take) {
  try {
    router_.dispatch(request_, respond, std::move(take), &route_);
  } catch (const db::Error& ex) {
    spdlog::error("{} {}: database error: {}", std::string(request_.method_string()),
                  std::string(request_.target()), ex.what());
    respond(error_response(request_, beast_http::status::service_unavailable,
                           "The catalog database is not available right now"));
  } catch (const std::exception& ex) {
    spdlog::error("{} {}: {}", std::string(request_.method_string()),
                  std::string(request_.target()), ex.what());
    respond(error_response(request_, beast_http::status::internal_server_error, "Internal error"));
  }
}

void Session::answer(Response res) {
  --count_->in_flight;
  res.set("X-Request-ID", request_id_);
  // A mutation's answer names the position it wrote; any other, the read model's now,
  // which is at least the one it was read at.
  if (position_ && res.find("Catalog-Position") == res.end())
    res.set("Catalog-Position", std::to_string(position_->get()));
  record(static_cast<int>(res.result_int()));
  bool close_after = !res.keep_alive();
  write(std::move(res), close_after);
}

void Session::write(Response res, bool close_after) {
  writing_ = std::make_shared<Response>(std::move(res));
  stream_.expires_after(limits_.write_timeout);
  beast_http::async_write(
      stream_, *writing_,
      [self = shared_from_this(), close_after](beast::error_code ec, std::size_t) {
        self->on_write(ec, close_after);
      });
}

void Session::on_write(beast::error_code ec, bool close_after) {
  writing_.reset();
  if (ec || close_after) return close();
  read_head();
}

void Session::refuse(beast_http::status status, std::string_view detail) {
  auto res = error_response(bare_request(), status, detail);
  res.keep_alive(false);
  started_ = std::chrono::steady_clock::now();
  request_id_ = new_request_id();
  route_ = "unparsed";
  res.set("X-Request-ID", request_id_);
  record(static_cast<int>(res.result_int()));
  write(std::move(res), true);
}

void Session::record(int status) {
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  // A method Beast does not know is any token a client likes: as a label it would let
  // clients grow the metrics without bound, so they all count as OTHER.
  std::string_view method = route_ == "unparsed" ? "-"
                            : request_.method() == beast_http::verb::unknown
                                ? "OTHER"
                                : request_.method_string();
  metrics_.request_done(route_, method, status, seconds);
  spdlog::info("{} {} {} {:.3f}ms id={}", method, route_, status, seconds * 1000, request_id_);
}

void Session::close() {
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
}

}  // namespace catalog::http
