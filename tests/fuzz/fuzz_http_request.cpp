// libFuzzer target: raw bytes through Beast's request parser with the service's limits,
// then every parsed request through the real router, checking each answer is well-formed.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "check.hpp"
#include "db/sqlite.hpp"
#include "fake_services.hpp"
#include "http/framing.hpp"
#include "http/limits.hpp"
#include "http/response.hpp"
#include "http/router.hpp"
#include "http/routes.hpp"
#include "seeded_catalog.hpp"

namespace {

using namespace catalog;
using fuzz::check;
namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using http::Request;
using http::Response;

// A keep-alive connection may carry several requests; a few cover pipelining without
// letting one input run for long.
constexpr int kMaxRequestsPerInput = 4;

// A request that sends Authorization goes to a router that demands a token, so the bearer
// check is fuzzed without making every mutation need the one right header to get past it.
constexpr std::string_view kToken = "secret";

struct Harness {
  Harness() { guarded.require_token(std::string(kToken)); }

  http::Services services = fuzz::fake_services(fuzz::seeded_catalog());
  http::Router open = http::make_router(services);
  http::Router guarded = http::make_router(services);
  http::Limits limits;
  // The session answers a std::exception from a handler with a 500, which keeps the server
  // up; this finds the inputs that cause one, which are bugs all the same.
  bool trap_exceptions = std::getenv("CATALOG_FUZZ_TRAP_EXCEPTIONS") != nullptr;
  // One line per answer, for seeing what a corpus or a reproducer reaches.
  bool trace = std::getenv("CATALOG_FUZZ_TRACE") != nullptr;
};

Harness& harness() {
  static Harness h;
  return h;
}

// Offers `bytes` to `parser` until it has a message, as reads from a socket would, then
// EOF if it still wants more: the client has nothing more to send. Returns the bytes used.
template <class Parser>
size_t feed(Parser& parser, std::string_view bytes, beast::error_code& ec) {
  size_t used = 0;
  while (!parser.is_done()) {
    size_t n = parser.put(boost::asio::const_buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (ec != beast_http::error::need_more) break;
    ec = {};
    // Nothing taken means it needs bytes beyond the end (an unfinished head).
    if (n == 0 || used == bytes.size()) {
      parser.put_eof(ec);
      break;
    }
  }
  return used;
}

// Parses one request from the front of `input` as the session does (a parser per request,
// the same limits) and drops the bytes it used; nullopt where the session would refuse the
// request or close the connection instead of dispatching.
std::optional<Request> parse_request(std::string_view& input, const http::Limits& limits) {
  beast_http::request_parser<beast_http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_head));
  parser.body_limit(limits.max_body);
  parser.eager(true);
  beast::error_code ec;
  input.remove_prefix(feed(parser, input, ec));
  if (ec || !parser.is_done()) return std::nullopt;
  // The session refuses these before dispatch.
  if (http::ambiguous_framing(parser.get())) return std::nullopt;
  if (auto length = parser.content_length(); length && *length > limits.max_body) {
    return std::nullopt;
  }
  return parser.release();
}

bool has_line_break(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// What a client would receive must be a response it can read back: a known status class,
// headers that cannot split the response, JSON bodies that parse, framing that matches.
void check_response(const Response& res) {
  unsigned status = res.result_int();
  check(status >= 100 && status <= 599, "status outside 100..599");
  for (const auto& field : res) {
    check(!has_line_break(field.name_string()) && !has_line_break(field.value()),
          "a response header holds CR, LF or NUL");
  }
  auto type = res.find(beast_http::field::content_type);
  if (type != res.end() && type->value().starts_with("application/json")) {
    check(nlohmann::json::accept(res.body()), "an application/json body is not valid JSON");
  }
  std::ostringstream wire;
  wire << res;
  std::string bytes = wire.str();
  beast_http::response_parser<beast_http::string_body> reader;
  reader.body_limit(boost::none);
  reader.eager(true);
  beast::error_code ec;
  feed(reader, bytes, ec);
  check(!ec && reader.is_done(), "the serialised response does not parse");
  check(reader.get().body() == res.body(), "the serialised response carries another body");
}

// A route label in logs and metrics is a route template or "unmatched", never raw client
// text, or every distinct path would add a metrics series.
bool known_route(const http::Router& router, const std::string& route) {
  if (route == "unmatched") return true;
  return std::any_of(router.entries().begin(), router.entries().end(),
                     [&](const auto& e) { return e.route == route; });
}

// Returns whether the connection stays open for another request.
bool dispatch(Harness& h, const Request& req) {
  int answers = 0;
  bool keep_alive = false;
  http::Respond respond = [&](Response res) {
    ++answers;
    if (h.trace) {
      std::fprintf(stderr, "%s %s -> %u %.200s\n", std::string(req.method_string()).c_str(),
                   std::string(req.target()).c_str(), res.result_int(), res.body().c_str());
    }
    check_response(res);
    keep_alive = res.keep_alive();
  };
  const http::Router& router =
      req.find(beast_http::field::authorization) != req.end() ? h.guarded : h.open;
  std::string route;
  // As in Session::dispatch: a database error is a 503 and any other std::exception a 500.
  // Anything else thrown escapes, and libFuzzer reports it.
  try {
    router.dispatch(req, respond, {}, &route);
  } catch (const db::Error& ex) {
    if (h.trace || h.trap_exceptions) std::fprintf(stderr, "database error: %s\n", ex.what());
    check(!h.trap_exceptions, "dispatch threw a database error");
    if (answers == 0) {
      respond(http::error_response(req, beast_http::status::service_unavailable, "db"));
    }
  } catch (const std::exception& ex) {
    if (h.trace || h.trap_exceptions) std::fprintf(stderr, "exception: %s\n", ex.what());
    check(!h.trap_exceptions, "dispatch threw an exception");
    if (answers == 0) {
      respond(http::error_response(req, beast_http::status::internal_server_error, "internal"));
    }
  }
  // Every route answers before dispatch returns here: the fakes and run_blocking are inline.
  check(answers == 1, "the router did not answer exactly once");
  check(known_route(router, route), "the route label is not a route template");
  return keep_alive;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The service logs every refused request; at fuzzing speed that is all the fuzzer does.
  spdlog::set_level(spdlog::level::off);
  harness();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Harness& h = harness();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (int i = 0; i < kMaxRequestsPerInput && !input.empty(); ++i) {
    auto req = parse_request(input, h.limits);
    if (!req || !dispatch(h, *req)) break;
  }
  return 0;
}
