// GET /events/stream as an EventSource sees it: the log after a position, then live events,
// each once and in order; Last-Event-ID resumes; a client that goes away harms nothing.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct SseEvent {
  long long id = -1;
  std::string data;
};

// A plain-socket EventSource: sends the request, reads the head, then parses `id:` and
// `data:` fields up to each blank line, skipping comments. The body is delimited by the
// connection's close, not chunked. Every read is bounded by a deadline and throws when it
// passes, so a server that stops sending fails the test instead of hanging it.
class SseClient {
 public:
  SseClient(unsigned short port, const std::string& target, const Headers& headers = {}) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("connect: " + std::string(std::strerror(errno)));
    std::string request =
        "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    for (const auto& [name, value] : headers)
      request += name + ": " + value + "\r\n";
    request += "\r\n";
    for (std::size_t sent = 0; sent < request.size();) {
      ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send: " + std::string(std::strerror(errno)));
      sent += static_cast<std::size_t>(n);
    }
  }
  ~SseClient() { close(); }
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  // Reads the status line and the headers (names in lower case).
  void read_head(Clock::time_point deadline) {
    auto status_line = line(deadline);
    if (!status_line) throw std::runtime_error("the server closed before answering");
    static const std::regex status_re(R"(HTTP/1\.[01] (\d{3}) .*)");
    std::smatch m;
    if (!std::regex_match(*status_line, m, status_re))
      throw std::runtime_error("not an HTTP status line: " + *status_line);
    status_ = std::stoi(m[1]);
    for (;;) {
      auto h = line(deadline);
      if (!h) throw std::runtime_error("the server closed inside the response head");
      if (h->empty()) return;
      auto colon = h->find(':');
      if (colon == std::string::npos) throw std::runtime_error("malformed header: " + *h);
      std::string name = h->substr(0, colon);
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = h->substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      headers_[name] = value;
    }
  }
  int status() const { return status_; }
  std::string header(const std::string& lower_name) const {
    auto it = headers_.find(lower_name);
    return it == headers_.end() ? std::string() : it->second;
  }

  // The next event, or nullopt when the server closes the stream.
  std::optional<SseEvent> next(Clock::time_point deadline) {
    SseEvent e;
    bool has_data = false;
    for (;;) {
      auto l = line(deadline);
      if (!l) return std::nullopt;
      if (l->empty()) {
        if (has_data) return e;
        continue;  // a comment's blank line, or a keep-alive
      }
      if ((*l)[0] == ':') continue;
      auto colon = l->find(':');
      std::string field = l->substr(0, colon);
      std::string value = colon == std::string::npos ? "" : l->substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      if (field == "id") {
        e.id = std::stoll(value);
      } else if (field == "data") {
        if (has_data) e.data += '\n';
        e.data += value;
        has_data = true;
      }
    }
  }

  // Goes away without a word, as a closed browser tab does.
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  // One line without its CR LF or LF; nullopt at the end of the stream.
  std::optional<std::string> line(Clock::time_point deadline) {
    for (;;) {
      auto lf = buf_.find('\n');
      if (lf != std::string::npos) {
        std::string l = buf_.substr(0, lf);
        buf_.erase(0, lf + 1);
        if (!l.empty() && l.back() == '\r') l.pop_back();
        return l;
      }
      if (!fill(deadline)) return std::nullopt;
    }
  }

  bool fill(Clock::time_point deadline) {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) throw std::runtime_error("timed out waiting for the event stream");
      pollfd p{fd_, POLLIN, 0};
      int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) throw std::runtime_error("poll: " + std::string(std::strerror(errno)));
      if (ready == 0) continue;
      char chunk[8192];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::runtime_error("recv: " + std::string(std::strerror(errno)));
      if (n == 0) return false;
      buf_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
  }

  int fd_ = -1;
  std::string buf_;
  int status_ = 0;
  std::map<std::string, std::string> headers_;
};

Clock::time_point in_seconds(int s) {
  return Clock::now() + std::chrono::seconds(s);
}

json created(unsigned short port, const std::string& collection, const json& body) {
  auto res = http_post(port, collection, body);
  INFO(collection << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 201);
  return res.json();
}

void make_tags(unsigned short port, int count, const std::string& prefix = "tag ") {
  for (int i = 0; i < count; ++i)
    created(port, "/tags/", {{"name", prefix + std::to_string(i)}});
}

long long head_position(unsigned short port) {
  auto res = http_get(port, "/health");
  REQUIRE(res.status == 200);
  return res.json()["position"].get<long long>();
}

// The events of the log by position, as GET /events gives them.
std::map<long long, json> events_by_position(unsigned short port) {
  std::map<long long, json> all;
  long long after = 0;
  for (;;) {
    auto res = http_get(port, "/events?limit=1000&after=" + std::to_string(after));
    REQUIRE(res.status == 200);
    auto page = res.json();
    if (page.empty()) return all;
    for (auto& e : page) {
      after = e["position"].get<long long>();
      all[after] = std::move(e);
    }
  }
}

// An open stream whose head said 200 text/event-stream, delimited by the connection.
void check_event_stream_head(SseClient& client) {
  client.read_head(in_seconds(10));
  CHECK(client.status() == 200);
  CHECK(client.header("content-type").rfind("text/event-stream", 0) == 0);
  CHECK(client.header("transfer-encoding").empty());
  CHECK(client.header("content-length").empty());
}

// Reads events and checks that their ids are exactly first, first + 1, ..., last.
std::vector<SseEvent> read_run(SseClient& client, long long first, long long last,
                               Clock::time_point deadline) {
  std::vector<SseEvent> got;
  for (long long expected = first; expected <= last; ++expected) {
    auto e = client.next(deadline);
    INFO("expecting id " << expected);
    REQUIRE(e.has_value());
    REQUIRE(e->id == expected);
    got.push_back(std::move(*e));
  }
  return got;
}

// Each event's data is the log's event at its id, with a 64-hex hash, and together they
// are exactly the positions (after, last].
void check_against_log(const std::map<long long, std::string>& received, long long after,
                       long long last, const std::map<long long, json>& log) {
  static const std::regex hex64("[0-9a-f]{64}");
  for (const auto& [id, data] : received) {
    INFO("id " << id << " data " << data);
    auto e = json::parse(data);
    CHECK(e["position"] == id);
    CHECK(std::regex_match(e["hash"].get<std::string>(), hex64));
    CHECK(e == log.at(id));
  }
  REQUIRE_FALSE(received.empty());
  CHECK(received.begin()->first == after + 1);
  CHECK(received.rbegin()->first == last);
  CHECK(received.size() == static_cast<std::size_t>(last - after));
}

}  // namespace

TEST_CASE("a client joining mid-stream gets every later event once, in order, into the live tail") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  make_tags(port, 20, "before ");
  constexpr int live_writes = 300;

  std::atomic<bool> writer_done{false};
  std::mutex mu;
  std::vector<std::string> failures;
  std::thread writer([&] {
    for (int i = 0; i < live_writes; ++i) {
      try {
        auto r = http_post(port, "/tags/", {{"name", "live " + std::to_string(i)}});
        if (r.status != 201) {
          std::lock_guard lock(mu);
          failures.push_back(std::to_string(r.status) + " " + r.body);
        }
      } catch (const std::exception& ex) {
        std::lock_guard lock(mu);
        failures.push_back(ex.what());
        break;
      }
    }
    writer_done = true;
  });
  // However the test ends, the writer is joined before the server goes away.
  struct Join {
    std::thread& t;
    ~Join() {
      if (t.joinable()) t.join();
    }
  } join{writer};

  auto wait_until = in_seconds(30);
  while (head_position(port) < 40 && Clock::now() < wait_until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const long long start = 10;
  SseClient client(port, "/events/stream?after=" + std::to_string(start));
  long long head_at_connect = head_position(port);
  check_event_stream_head(client);

  // Two more clients join later, while this one reads, each a few events behind the head.
  struct Joiner {
    std::unique_ptr<SseClient> client;
    long long after;
    long long head_at_connect;
  };
  std::vector<Joiner> joiners;
  const std::vector<long long> join_at{100, 180};

  std::map<long long, std::string> received;
  std::optional<long long> final_head;
  long long expected = start + 1;
  auto deadline = in_seconds(120);
  for (;;) {
    if (!final_head && writer_done) final_head = head_position(port);
    if (final_head && expected > *final_head) break;
    long long head = final_head ? *final_head : head_position(port);
    if (!final_head && joiners.size() < join_at.size() && head >= join_at[joiners.size()]) {
      long long after = head - 5;
      joiners.push_back(
          {std::make_unique<SseClient>(port, "/events/stream?after=" + std::to_string(after)),
           after, head});
    }
    // Wait for an event only once the log has one to give, so that the end of the writer
    // is noticed instead of waiting for an event that never comes.
    if (expected > head) {
      REQUIRE(Clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    auto e = client.next(deadline);
    INFO("expecting id " << expected);
    REQUIRE(e.has_value());
    REQUIRE(e->id == expected);
    received[e->id] = e->data;
    ++expected;
  }
  writer.join();
  CHECK(failures == std::vector<std::string>{});
  REQUIRE(final_head);
  CHECK(*final_head == 20 + live_writes);
  // Each stream was joined while the writer was still at work, so it had to go live.
  CHECK(head_at_connect < *final_head);

  auto log = events_by_position(port);
  check_against_log(received, start, *final_head, log);
  CHECK(joiners.size() == join_at.size());
  for (auto& j : joiners) {
    INFO("joined after " << j.after << " at head " << j.head_at_connect);
    CHECK(j.head_at_connect < *final_head);
    check_event_stream_head(*j.client);
    std::map<long long, std::string> got;
    for (auto& e : read_run(*j.client, j.after + 1, *final_head, deadline))
      got[e.id] = std::move(e.data);
    check_against_log(got, j.after, *final_head, log);
  }
}

TEST_CASE("Last-Event-ID resumes the stream right after that id and then follows live events") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  make_tags(port, 50);

  SseClient client(port, "/events/stream", {{"Last-Event-ID", "25"}});
  check_event_stream_head(client);
  auto deadline = in_seconds(30);
  auto caught_up = read_run(client, 26, 50, deadline);
  CHECK(json::parse(caught_up.front().data)["position"] == 26);

  created(port, "/tags/", {{"name", "after resume"}});
  created(port, "/categories/", {{"name", "after resume"}});
  auto live = read_run(client, 51, 52, deadline);
  CHECK(json::parse(live[0].data)["type"] == "TagCreated");
  CHECK(json::parse(live[1].data)["type"] == "CategoryCreated");
}

TEST_CASE("Last-Event-ID wins over ?after") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  make_tags(port, 40);
  auto deadline = in_seconds(30);
  {
    SseClient later(port, "/events/stream?after=5", {{"Last-Event-ID", "30"}});
    check_event_stream_head(later);
    read_run(later, 31, 40, deadline);
  }
  {
    SseClient earlier(port, "/events/stream?after=35", {{"Last-Event-ID", "10"}});
    check_event_stream_head(earlier);
    read_run(earlier, 11, 40, deadline);
  }
  {
    SseClient from_start(port, "/events/stream?after=20", {{"Last-Event-ID", "0"}});
    check_event_stream_head(from_start);
    read_run(from_start, 1, 40, deadline);
  }
}

TEST_CASE("a stream from the head waits for the next event; one past the head skips it") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  make_tags(port, 3);
  SseClient at_head(port, "/events/stream?after=3");
  check_event_stream_head(at_head);
  SseClient past_head(port, "/events/stream?after=5");
  check_event_stream_head(past_head);

  make_tags(port, 3, "next ");
  auto deadline = in_seconds(30);
  read_run(at_head, 4, 6, deadline);
  // Positions 4 and 5 are not after 5: the first event this stream owes is 6.
  read_run(past_head, 6, 6, deadline);
  CHECK_THROWS_WITH(past_head.next(Clock::now() + std::chrono::milliseconds(300)),
                    Catch::Contains("timed out"));
}

TEST_CASE("an invalid Last-Event-ID or after is a 422 and opens no stream") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  make_tags(port, 2);
  for (const std::string bad : {"abc", "-1", "1.5", ""}) {
    auto res = http_request(port, "GET", "/events/stream", "", {{"Last-Event-ID", bad}});
    INFO("Last-Event-ID: '" << bad << "' -> " << res.status << " " << res.body);
    CHECK(res.status == 422);
    CHECK(res.header("content-type") == "application/json; charset=utf-8");
    CHECK(res.json()["detail"].is_array());
  }
  for (const std::string bad : {"abc", "-1"}) {
    auto res = http_get(port, "/events/stream?after=" + bad);
    INFO("after=" << bad << " -> " << res.status << " " << res.body);
    CHECK(res.status == 422);
    CHECK(res.json()["detail"][0]["loc"] == json::array({"query", "after"}));
  }
  CHECK(http_get(port, "/health").status == 200);
}

TEST_CASE("clients that disconnect leave the server serving writes and other streams") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  make_tags(port, 10);
  auto deadline = in_seconds(30);
  {
    std::vector<std::unique_ptr<SseClient>> leaving;
    for (int i = 0; i < 5; ++i) {
      leaving.push_back(std::make_unique<SseClient>(port, "/events/stream?after=0"));
      if (i % 2 == 0) {
        check_event_stream_head(*leaving.back());
        read_run(*leaving.back(), 1, 3, deadline);
      }
    }
    // One that stays long enough to be a live subscriber when it goes.
    SseClient live(port, "/events/stream?after=10");
    check_event_stream_head(live);
    created(port, "/tags/", {{"name", "seen live"}});
    read_run(live, 11, 11, deadline);
  }

  // Writes after they left are published to subscribers that are gone.
  make_tags(port, 20, "after they left ");
  CHECK(http_get(port, "/health").status == 200);
  CHECK(head_position(port) == 31);
  SseClient fresh(port, "/events/stream?after=25");
  check_event_stream_head(fresh);
  read_run(fresh, 26, 31, deadline);
  created(port, "/tags/", {{"name", "last"}});
  read_run(fresh, 32, 32, deadline);
}
