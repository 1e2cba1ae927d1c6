// HTTP at the byte level: size limits, ambiguous framing, garbage, keep-alive, pipelining
// and chunked bodies. Whatever a client sends, the server answers it or closes, and keeps
// serving everyone else.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;

namespace {

// One response cut out of the raw bytes a server wrote.
struct RawResponse {
  std::string version;
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

// Splits what a server wrote into responses, framed by Content-Length; an incomplete tail
// is dropped.
std::vector<RawResponse> parse_responses(const std::string& bytes) {
  std::vector<RawResponse> out;
  std::size_t at = 0;
  while (at < bytes.size()) {
    auto head_end = bytes.find("\r\n\r\n", at);
    if (head_end == std::string::npos) break;
    RawResponse r;
    auto line_end = bytes.find("\r\n", at);
    std::string status_line = bytes.substr(at, line_end - at);
    r.version = status_line.substr(0, status_line.find(' '));
    r.status = std::atoi(status_line.c_str() + r.version.size() + 1);
    for (auto pos = line_end + 2; pos < head_end;) {
      auto end = bytes.find("\r\n", pos);
      auto colon = bytes.find(':', pos);
      std::string name = bytes.substr(pos, colon - pos);
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto value_at = bytes.find_first_not_of(' ', colon + 1);
      r.headers[name] = bytes.substr(value_at, end - value_at);
      pos = end + 2;
    }
    std::size_t length =
        r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    if (head_end + 4 + length > bytes.size()) break;
    r.body = bytes.substr(head_end + 4, length);
    out.push_back(std::move(r));
    at = head_end + 4 + length;
  }
  return out;
}

// The one response to `bytes`, after which the server must have closed the connection
// (in less than the time-out: it did not wait for anything more).
RawResponse only_answer(unsigned short port, const std::string& bytes) {
  auto start = std::chrono::steady_clock::now();
  auto raw = raw_exchange(port, bytes, 5000);
  auto took = std::chrono::steady_clock::now() - start;
  INFO("answer: " << raw.substr(0, 300));
  CHECK(took < std::chrono::seconds(4));
  auto responses = parse_responses(raw);
  REQUIRE(responses.size() == 1);
  return responses.front();
}

// A plain {"detail": "..."} JSON error body.
void check_detail(const RawResponse& r) {
  INFO(r.body);
  CHECK(r.headers.at("content-type") == "application/json; charset=utf-8");
  auto body = json::parse(r.body);
  CHECK(body.size() == 1);
  CHECK(body["detail"].is_string());
}

// A string literal with its NUL bytes.
template <std::size_t N>
std::string bytes_of(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

// Bytes as a C++ string literal would spell them, for failure messages.
std::string printable(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

long long head_position(unsigned short port) {
  auto res = http_get(port, "/health");
  REQUIRE(res.status == 200);
  return res.json()["position"].get<long long>();
}

// Running, and not a zombie waiting to be reaped.
bool process_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, command, state;
  if (!(stat >> pid_field >> command >> state)) return false;
  return state != "Z" && state != "X";
}

void check_still_serving(const ServerProcess& server) {
  INFO(server.log());
  CHECK(process_alive(server.pid()));
  CHECK(http_get(server.port(), "/health").status == 200);
}

std::string post_head(const std::string& target, const std::string& extra_headers) {
  return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
         extra_headers + "\r\n";
}

std::string get_request(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n";
}

// A request whose body must be refused with a 422 naming the body, storing nothing.
void check_body_refused(unsigned short port, const std::string& target, const std::string& body) {
  auto position = head_position(port);
  auto res = http_request(port, "POST", target, body);
  INFO(target << " " << body.substr(0, 80) << " -> " << res.body.substr(0, 300));
  CHECK(res.status == 422);
  auto detail = res.json()["detail"];
  REQUIRE(detail.is_array());
  REQUIRE_FALSE(detail.empty());
  CHECK(detail[0]["loc"][0] == "body");
  CHECK(head_position(port) == position);
}

std::string product_json(const std::string& price) {
  return R"({"name": "Plumbus", "price_shmeckles": )" + price + R"(, "price_flurbos": 1})";
}

}  // namespace

TEST_CASE("a body declared larger than 1 MiB is refused with 413 before it is sent") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto position = head_position(server.port());
  auto r = only_answer(server.port(), post_head("/products/", "Content-Length: 1048577\r\n"));
  CHECK(r.status == 413);
  check_detail(r);
  CHECK(head_position(server.port()) == position);
  check_still_serving(server);
}

TEST_CASE("a body of exactly 1 MiB is accepted") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  std::string body = product_json("1");
  body.resize(1024 * 1024, ' ');  // white space after the JSON value is still valid JSON
  auto res = http_request(server.port(), "POST", "/products/", body);
  INFO(res.body);
  CHECK(res.status == 201);
}

TEST_CASE("a request head larger than 64 KiB is refused with 431") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto big = "X-Padding: " + std::string(65 * 1024, 'a') + "\r\n";
  auto r = only_answer(server.port(), get_request("/health", big));
  CHECK(r.status == 431);
  check_detail(r);

  auto below_limit = "X-Padding: " + std::string(60 * 1024, 'a') + "\r\nConnection: close\r\n";
  auto fine = only_answer(server.port(), get_request("/health", below_limit));
  CHECK(fine.status == 200);
  check_still_serving(server);
}

TEST_CASE("Content-Length together with Transfer-Encoding is a 400 that closes the connection") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto position = head_position(server.port());
  // The request after it must never be answered: the connection is gone.
  auto smuggled = post_head("/tags/", "Content-Length: 13\r\nTransfer-Encoding: chunked\r\n") +
                  "0\r\n\r\n" + get_request("/health");
  auto r = only_answer(server.port(), smuggled);
  CHECK(r.status == 400);
  check_detail(r);
  CHECK(head_position(server.port()) == position);
  check_still_serving(server);
}

TEST_CASE("conflicting Content-Length headers are a 400 that closes the connection") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto position = head_position(server.port());
  for (const std::string lengths :
       {"Content-Length: 15\r\nContent-Length: 16\r\n", "Content-Length: 15, 16\r\n"}) {
    INFO(lengths);
    auto r = only_answer(server.port(), post_head("/tags/", lengths) + R"({"name": "one"} )" +
                                            get_request("/health"));
    CHECK(r.status == 400);
    check_detail(r);
  }
  CHECK(head_position(server.port()) == position);
  check_still_serving(server);
}

TEST_CASE("a truncated JSON body is a 422") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto full = product_json("250.5");
  for (std::size_t cut : {full.size() - 1, full.size() / 2, std::size_t{1}}) {
    check_body_refused(server.port(), "/products/", full.substr(0, cut));
  }
  check_still_serving(server);
}

TEST_CASE("a name that is not valid UTF-8 is a 422 and stores nothing") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  for (const std::string bad : {"\xff", "\xd0", "\xc0\xaf", "\xed\xa0\x80", "\\ud800"}) {
    INFO("name bytes " << printable(bad));
    std::string name = "Plumbus " + bad;
    check_body_refused(server.port(), "/tags/", R"({"name": ")" + name + R"("})");
    check_body_refused(server.port(), "/products/",
                       R"({"name": ")" + name + R"(", "price_shmeckles": 1, "price_flurbos": 1})");
  }
  CHECK(http_get(server.port(), "/tags/").json() == json::array());
  check_still_serving(server);
}

TEST_CASE("a price too large for a double is a 422") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  for (const std::string price : {"1e400", "-1e400", "1e308", "NaN", "Infinity"}) {
    check_body_refused(server.port(), "/products/", product_json(price));
  }
  check_still_serving(server);
}

TEST_CASE("deeply nested JSON is a 422, not a crash") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  check_body_refused(server.port(), "/products/", std::string(100000, '['));
  check_body_refused(server.port(), "/products/",
                     std::string(100000, '[') + std::string(100000, ']'));
  std::string objects;
  for (int i = 0; i < 100000; ++i)
    objects += R"({"a":)";
  check_body_refused(server.port(), "/tags/", objects);
  check_still_serving(server);
}

TEST_CASE("garbage instead of a request is a 400 and the server keeps serving") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  const std::vector<std::string> garbage{
      "HELLO\r\n\r\n",
      "GET / HTTP/9.9\r\n\r\n",
      "GET /health HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
      bytes_of("\0\0\0\0"),
      bytes_of("\0\0\0GET /health HTTP/1.1\r\n\r\n"),
      bytes_of("GET /he\0alth HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
      "GET /health HTTP/1.1\r\nNo colon here\r\n\r\n",
      bytes_of("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"),  // a TLS ClientHello
  };
  for (const auto& bytes : garbage) {
    INFO("sent " << printable(bytes));
    auto r = only_answer(server.port(), bytes);
    CHECK(r.status == 400);
    check_detail(r);
  }
  check_still_serving(server);
}

TEST_CASE("100 pipelined requests on one keep-alive connection are answered in order") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  REQUIRE(http_post(server.port(), "/tags/", {{"name", "Хит"}}).status == 201);
  std::string requests;
  for (int i = 1; i <= 100; ++i) {
    requests +=
        get_request("/products/" + std::to_string(i), i == 100 ? "Connection: close\r\n" : "");
  }
  auto responses = parse_responses(raw_exchange(server.port(), requests, 10000));
  REQUIRE(responses.size() == 100);
  for (int i = 1; i <= 100; ++i) {
    const auto& r = responses[i - 1];
    INFO("response " << i << ": " << r.body);
    CHECK(r.version == "HTTP/1.1");
    CHECK(r.status == 404);
    CHECK(json::parse(r.body) == json{{"detail", "Product " + std::to_string(i) + " not found"}});
  }
  check_still_serving(server);
}

TEST_CASE("requests of every method share one keep-alive connection") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto with_body = [](const std::string& method, const std::string& target,
                      const std::string& body) {
    return method + " " + target +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
  };
  std::string bytes = with_body("POST", "/tags/", R"({"name": "Хит"})") + get_request("/tags/1") +
                      with_body("PUT", "/tags/1", R"({"name": "Новинка"})") +
                      "DELETE /tags/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" +
                      get_request("/tags/1", "Connection: close\r\n");
  auto responses = parse_responses(raw_exchange(server.port(), bytes, 10000));
  REQUIRE(responses.size() == 5);
  CHECK(responses[0].status == 201);
  CHECK(responses[1].status == 200);
  CHECK(json::parse(responses[1].body) == json{{"id", 1}, {"name", "Хит"}});
  CHECK(responses[2].status == 200);
  CHECK(json::parse(responses[2].body) == json{{"id", 1}, {"name", "Новинка"}});
  CHECK(responses[3].status == 204);
  CHECK(responses[4].status == 404);
}

TEST_CASE("a chunked request body is accepted") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto r = only_answer(server.port(),
                       post_head("/tags/", "Transfer-Encoding: chunked\r\nConnection: close\r\n") +
                           "5\r\n{\"nam\r\n"
                           "8\r\ne\":\"chnk\r\n"
                           "2\r\n\"}\r\n"
                           "0\r\n\r\n");
  INFO(r.body);
  REQUIRE(r.status == 201);
  auto tag = json::parse(r.body);
  CHECK(tag["name"] == "chnk");
  CHECK(http_get(server.port(), "/tags/").json() == json::array({tag}));
}

TEST_CASE("an HTTP/1.0 request without Host is answered and the connection closed") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto r = only_answer(server.port(), "GET /health HTTP/1.0\r\n\r\n");
  CHECK(r.status == 200);
  CHECK(json::parse(r.body)["status"] == "ok");
}
