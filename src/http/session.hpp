// One HTTP/1.1 connection: reads requests under the limits, hands each to the router and
// writes the answers, keep-alive, in order. It only does I/O; the router decides. It never
// blocks its thread: an answer that comes from an actor is posted back onto its strand.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "http/limits.hpp"
#include "http/router.hpp"
#include "metrics/metrics.hpp"
#include "projections/read_position.hpp"

namespace catalog::http {

class ConnectionCount;

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `position` (may be null): every answer carries Catalog-Position, the read model's
  // position, and a read sent with Catalog-Min-Position waits for it (up to 5 s).
  Session(boost::asio::ip::tcp::socket socket, const Router& router, const Limits& limits,
          std::shared_ptr<ConnectionCount> count, metrics::Metrics& metrics,
          projections::ReadPosition* position);
  ~Session();
  void start();

 private:
  void read_head();
  void on_head(boost::beast::error_code ec, std::size_t);
  void on_body(boost::beast::error_code ec, std::size_t);
  void dispatch();
  void route(Respond respond, TakeConnection take);
  void answer(Response res);
  void write(Response res, bool close_after);
  void on_write(boost::beast::error_code ec, bool close);
  void refuse(beast_http::status status, std::string_view detail);
  // Counts and logs one answered request.
  void record(int status);
  void close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<beast_http::request_parser<beast_http::string_body>> parser_;
  Request request_;  // kept until its answer is written: handlers may refer to it
  std::shared_ptr<Response> writing_;
  const Router& router_;
  const Limits& limits_;
  std::shared_ptr<ConnectionCount> count_;
  metrics::Metrics& metrics_;
  projections::ReadPosition* position_;
  // The request being answered, for its log line and metrics.
  std::chrono::steady_clock::time_point started_;
  std::string request_id_;
  std::string route_;
};

}  // namespace catalog::http
