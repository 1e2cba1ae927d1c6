// Maps a request's method and path to a handler. Paths match with or without a trailing
// slash; `{id}` segments are captured. An unknown path is a 404, a known path with another
// method a 405 with `Allow`. The router never touches a socket: tests call it directly.
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/connection_count.hpp"
#include "http/operation_doc.hpp"
#include "http/query_string.hpp"

namespace catalog::http {

namespace beast_http = boost::beast::http;

using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;
// Called exactly once with the answer; may be called later, from another thread.
using Respond = std::function<void(Response)>;

// Hands the connection to a long-lived stream (server-sent events) instead of answering;
// the session is done with the connection after the call.
// The connection counts as open until the stream ends, so it stays under the server's cap.
using TakeConnection = std::function<void(
    std::function<void(boost::beast::tcp_stream&&, std::shared_ptr<ConnectionCount>)>)>;

class Router;

struct RouteContext {
  const Router* router;  // the router that dispatched the request
  const Request& request;
  std::string_view route;             // the template, e.g. "/products/{id}"
  std::vector<std::string> path_ids;  // the raw {id} segments, in order
  QueryParams query;
  TakeConnection take_connection;  // empty where there is no connection (tests)
};

using Handler = std::function<void(RouteContext&, Respond)>;

class Router {
 public:
  // `route` is a template such as "/products/{id}/history"; collections are written with
  // their trailing slash ("/products/"), as the API documents them. Matching ignores it.
  void add(beast_http::verb method, std::string_view route, OperationDoc doc, Handler handler);
  // Answers through `respond` (or hands the connection over). Before any answer, sets
  // `*route` (if given) to the template that matched, or "unmatched": the request's label
  // in logs and metrics.
  void dispatch(const Request& request, Respond respond, TakeConnection take = {},
                std::string* route = nullptr) const;
  // From now on POST, PUT and DELETE (the routes documented as mutations) need
  // `Authorization: Bearer <token>`.
  void require_token(std::string token) { token_ = std::move(token); }
  // Answers every path no route matches (instead of 404): a server that is not ready yet.
  void otherwise(Handler handler) { otherwise_ = std::move(handler); }

  struct Entry {
    beast_http::verb method;
    std::string route;
    OperationDoc doc;
    Handler handler;
    std::vector<std::string> segments;  // of `route`, split once when added
  };
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  bool authorized(const Request& request) const;

  std::vector<Entry> entries_;
  std::string token_;
  Handler otherwise_;
};

}  // namespace catalog::http
