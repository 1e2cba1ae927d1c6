#include "http/router.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "http/response.hpp"
#include "http/secret_compare.hpp"

namespace catalog::http {

namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(i, end - i));
    i = end;
  }
  return out;
}

bool matches(const std::vector<std::string>& parts, const std::vector<std::string_view>& path,
             std::vector<std::string>* ids) {
  if (parts.size() != path.size()) return false;
  std::vector<std::string> captured;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].size() > 2 && parts[i].front() == '{' && parts[i].back() == '}') {
      captured.emplace_back(path[i]);
    } else if (parts[i] != path[i]) {
      return false;
    }
  }
  if (ids) *ids = std::move(captured);
  return true;
}

// "/products/" and "/products" are one path; so are "/products/1/" and "/products/1".
// An empty segment anywhere else ("/products//1") makes the path unknown.
bool well_formed(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  std::string_view body = path.substr(1);
  if (!body.empty() && body.back() == '/') body.remove_suffix(1);
  return body.find("//") == std::string_view::npos && (body.empty() || body.front() != '/');
}

}  // namespace

void Router::add(beast_http::verb method, std::string_view route, OperationDoc doc,
                 Handler handler) {
  std::vector<std::string> parts;
  for (auto part : segments(route))
    parts.emplace_back(part);
  entries_.push_back(
      Entry{method, std::string(route), std::move(doc), std::move(handler), std::move(parts)});
}

bool Router::authorized(const Request& request) const {
  auto it = request.find(beast_http::field::authorization);
  if (it == request.end()) return false;
  std::string_view value = it->value();
  constexpr std::string_view scheme = "Bearer ";
  if (value.size() < scheme.size() ||
      !boost::beast::iequals(value.substr(0, scheme.size()), scheme))
    return false;
  return constant_time_equal(value.substr(scheme.size()), token_);
}

void Router::dispatch(const Request& request, Respond respond, TakeConnection take,
                      std::string* route) const {
  std::string ignored;
  std::string& matched = route ? *route : ignored;
  matched = "unmatched";
  std::string_view target = request.target();
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  if (!well_formed(path)) {
    respond(error_response(request, beast_http::status::not_found, "Not Found"));
    return;
  }
  auto parts = segments(path);
  std::string allow;
  for (const auto& e : entries_) {
    std::vector<std::string> ids;
    if (!matches(e.segments, parts, &ids)) continue;
    if (e.method == request.method()) {
      matched = e.route;
      if (e.doc.admin && token_.empty()) {
        auto res = error_response(request, beast_http::status::unauthorized,
                                  "Not authenticated: this route needs CATALOG_API_TOKEN to be "
                                  "set on the server and sent as a bearer token");
        res.set(beast_http::field::www_authenticate, "Bearer");
        respond(std::move(res));
        return;
      }
      if (e.doc.mutation && !token_.empty() && !authorized(request)) {
        auto res = error_response(request, beast_http::status::unauthorized, "Not authenticated");
        res.set(beast_http::field::www_authenticate, "Bearer");
        respond(std::move(res));
        return;
      }
      RouteContext ctx{this,           request, e.route, std::move(ids), parse_query_string(query),
                       std::move(take)};
      e.handler(ctx, std::move(respond));
      return;
    }
    if (!allow.empty()) allow += ", ";
    allow += std::string(beast_http::to_string(e.method));
  }
  if (allow.empty()) {
    if (otherwise_) {
      RouteContext ctx{this, request, "unmatched", {}, parse_query_string(query), {}};
      return otherwise_(ctx, std::move(respond));
    }
    respond(error_response(request, beast_http::status::not_found, "Not Found"));
    return;
  }
  auto res = error_response(request, beast_http::status::method_not_allowed, "Method Not Allowed");
  res.set(beast_http::field::allow, allow);
  respond(std::move(res));
}

}  // namespace catalog::http
