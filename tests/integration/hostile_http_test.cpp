// Hostile clients: headers dribbled a byte at a time, idle keep-alive connections, more
// connections than the cap, and SQL meta-characters in every parameter.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;
using std::chrono::steady_clock;

namespace {

// A plain blocking socket, for clients that misbehave on purpose.
class RawClient {
 public:
  explicit RawClient(unsigned short port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tv{30, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() { close(fd_); }
  bool connected() const { return connected_; }
  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Everything until the server closes (or the 30 s receive time-out).
  // What one receive gets: a short answer arrives whole.
  std::string read_some() {
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }
  std::string read_until_closed() {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd_, buf, sizeof buf, 0)) > 0)
      out.append(buf, static_cast<size_t>(n));
    return out;
  }

 private:
  int fd_;
  bool connected_ = false;
};

double seconds_since(steady_clock::time_point t) {
  return std::chrono::duration<double>(steady_clock::now() - t).count();
}

}  // namespace

TEST_CASE("a client that dribbles its headers is cut off by the header time-out", "[hostile]") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  RawClient slow(server.port());
  REQUIRE(slow.connected());
  std::string head = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  auto started = steady_clock::now();
  bool cut = false;
  // One byte a second, never finishing the head: the server must close within its time-out
  // (15 s) however long the client would go on.
  for (int i = 0; i < 40 && !cut; ++i) {
    cut = !slow.send(std::string(1, i < static_cast<int>(head.size()) ? head[i] : 'a'));
    if (!cut) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::string answer = slow.read_until_closed();
  double took = seconds_since(started);
  CHECK(took < 25);
  CHECK(answer.find("200 OK") == std::string::npos);
  CHECK(http_get(server.port(), "/health").status == 200);
}

TEST_CASE("an idle keep-alive connection is closed by the server", "[hostile]") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  RawClient idle(server.port());
  REQUIRE(idle.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto started = steady_clock::now();
  std::string answer = idle.read_until_closed();  // returns when the server closes
  CHECK(answer.rfind("HTTP/1.1 200 OK", 0) == 0);
  CHECK(seconds_since(started) < 25);
}

TEST_CASE("connections past the cap are refused with 503 and memory stays bounded", "[hostile]") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"), {{"CATALOG_MAX_CONNECTIONS", "20"}});
  std::vector<std::unique_ptr<RawClient>> held;
  // Each of the twenty is answered, so the server has accepted and counted all of them
  // before the next one knocks (a pause alone is too short on a loaded machine).
  for (int i = 0; i < 20; ++i) {
    held.push_back(std::make_unique<RawClient>(server.port()));
    REQUIRE(held.back()->connected());
    REQUIRE(held.back()->send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(held.back()->read_some().rfind("HTTP/1.1 200 OK", 0) == 0);
  }
  int refused = 0;
  for (int i = 0; i < 50; ++i) {
    RawClient extra(server.port());
    extra.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string answer = extra.read_until_closed();
    if (answer.rfind("HTTP/1.1 503", 0) == 0) ++refused;
  }
  CHECK(refused == 50);
  held.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(http_get(server.port(), "/health").status == 200);
}

TEST_CASE("SQL meta-characters in every parameter are only data", "[hostile]") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  const std::vector<std::string> nasty = {"'; DROP TABLE products; --",
                                          "\" OR 1=1 --",
                                          "%' OR '1'='1",
                                          "x'); DELETE FROM events; --",
                                          "Robert'); DROP TABLE tags;--",
                                          "\\'",
                                          "_%_",
                                          "1; ATTACH DATABASE '/tmp/x' AS x"};
  int created = 0;
  for (const auto& text : nasty) {
    INFO(text);
    auto tag = http_post(port, "/tags/", {{"name", text}});
    REQUIRE(tag.status == 201);
    CHECK(tag.json()["name"] == text);
    auto product = http_post(port, "/products/",
                             {{"name", text},
                              {"description", text},
                              {"price_shmeckles", 1},
                              {"price_flurbos", 1},
                              {"tag_ids", {tag.json()["id"]}}});
    REQUIRE(product.status == 201);
    ++created;
    std::string encoded;
    for (unsigned char c : text) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      encoded += hex;
    }
    auto found = http_get(port, "/products/?name=" + encoded);
    REQUIRE(found.status == 200);
    bool present = false;
    for (const auto& p : found.json())
      present |= p["name"] == text;
    CHECK(present);
    for (const std::string param :
         {"category_id", "tag_ids", "min_price_shmeckles", "sort", "skip", "limit", "tag_match"}) {
      CHECK(http_get(port, "/products/?" + param + "=" + encoded).status == 422);
    }
    CHECK(http_get(port, "/events?stream=" + encoded).json().empty());
    CHECK(http_get(port, "/products/" + encoded).status == 422);
  }
  CHECK(http_get(port, "/products/?limit=1000").json().size() == static_cast<size_t>(created));
  CHECK(http_get(port, "/tags/").json().size() == nasty.size());
  CHECK(http_get(port, "/audit/verify").json()["ok"] == true);
}
