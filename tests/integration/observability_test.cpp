// What an operator watches: /health, the Prometheus text of /metrics, the request id of
// every answer, the one log line per request, the start-up and shutdown lines, and the SQL
// log of SQL_ECHO=1 (without the bound values).
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

json get_json(unsigned short port, const std::string& target) {
  auto res = http_get(port, target);
  INFO("GET " << target << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 200);
  return res.json();
}

json created(unsigned short port, const std::string& target, const json& body,
             const Headers& headers = {}) {
  auto res = http_post(port, target, body, headers);
  INFO("POST " << target << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 201);
  return res.json();
}

using Labels = std::map<std::string, std::string>;

struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

// One scrape of /metrics in the Prometheus text format.
struct Scrape {
  std::vector<Sample> samples;
  std::map<std::string, std::string> types;  // family -> counter, gauge, histogram...
  std::set<std::string> helped;              // families with a # HELP line
  std::vector<std::string> malformed;        // lines that are none of these

  // The sum of the samples of `name` whose labels include `want`; 0 if there is none.
  double value(const std::string& name, const Labels& want = {}) const {
    double sum = 0;
    for (const auto& s : samples) {
      if (s.name != name) continue;
      bool match = true;
      for (const auto& [k, v] : want) {
        auto it = s.labels.find(k);
        match = match && it != s.labels.end() && it->second == v;
      }
      if (match) sum += s.value;
    }
    return sum;
  }
  bool has(const std::string& name) const {
    for (const auto& s : samples) {
      if (s.name == name) return true;
    }
    return false;
  }
};

Scrape parse_metrics(const std::string& text) {
  static const std::regex sample_line(R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+))");
  static const std::regex label(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?)re");
  static const std::regex comment(R"(# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+))");
  Scrape scrape;
  for (const auto& line : lines_of(text)) {
    std::smatch m;
    if (line.empty()) continue;
    if (line[0] == '#') {
      if (!std::regex_match(line, m, comment)) {
        scrape.malformed.push_back(line);
      } else if (m[1] == "HELP") {
        scrape.helped.insert(m[2]);
      } else {
        scrape.types[m[2]] = m[3];
      }
      continue;
    }
    if (!std::regex_match(line, m, sample_line)) {
      scrape.malformed.push_back(line);
      continue;
    }
    Sample s;
    s.name = m[1];
    std::string labels = m[3];
    for (std::sregex_iterator it(labels.begin(), labels.end(), label), end; it != end; ++it)
      s.labels[(*it)[1]] = (*it)[2];
    try {
      s.value = std::stod(m[4]);
    } catch (const std::exception&) {
      scrape.malformed.push_back(line);
      continue;
    }
    scrape.samples.push_back(std::move(s));
  }
  return scrape;
}

Scrape scrape(unsigned short port) {
  auto res = http_get(port, "/metrics");
  REQUIRE(res.status == 200);
  return parse_metrics(res.body);
}

// The family a sample belongs to: a histogram's _bucket, _sum and _count are its own.
std::string family_of(const Scrape& s, const std::string& name) {
  for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      std::string base = name.substr(0, name.size() - suffix.size());
      if (s.types.count(base) && s.types.at(base) == "histogram") return base;
    }
  }
  return name;
}

const Labels product_by_id_ok{{"route", "/products/{id}"}, {"method", "GET"}, {"status", "200"}};
const Labels product_by_id_missing{
    {"route", "/products/{id}"}, {"method", "GET"}, {"status", "404"}};

// Waits for the log to hold `part`: a line is written as its answer goes out.
std::string log_with(const ServerProcess& server, const std::string& part) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string log = server.log();
  while (!contains(log, part) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    log = server.log();
  }
  return log;
}

// The log lines that mention `part`.
std::vector<std::string> lines_with(const std::string& log, const std::string& part) {
  std::vector<std::string> out;
  for (const auto& line : lines_of(log)) {
    if (contains(line, part)) out.push_back(line);
  }
  return out;
}

// A request's log line: its method, route template, status, duration and id.
void check_request_line(const std::string& log, const std::string& id, const std::string& method,
                        const std::string& route, int status) {
  static const std::regex duration(R"(\d+(\.\d+)? ?(ms|s|us|µs)\b)");
  auto lines = lines_with(log, id);
  INFO("request " << method << " " << route << " id " << id << "; log:\n" << log);
  REQUIRE(lines.size() == 1);
  const auto& line = lines[0];
  CHECK(contains(line, method + " "));
  CHECK(contains(line, " " + route + " "));
  CHECK(contains(line, " " + std::to_string(status) + " "));
  CHECK(std::regex_search(line, duration));
}

}  // namespace

TEST_CASE("/health answers ok with the position of the last event") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  auto res = http_get(port, "/health");
  REQUIRE(res.status == 200);
  CHECK(contains(res.header("content-type"), "application/json"));
  CHECK(res.json() == json{{"status", "ok"}, {"position", 0}, {"role", "writer"}});

  auto tag = created(port, "/tags/", {{"name", "Хит"}});
  created(port, "/categories/", {{"name", "Гаджеты"}});
  REQUIRE(http_put(port, "/tags/" + tag["id"].dump(), {{"name", "Новинка"}}).status == 200);
  REQUIRE(http_delete(port, "/tags/" + tag["id"].dump()).status == 204);

  auto health = get_json(port, "/health");
  CHECK(health["status"] == "ok");
  REQUIRE(health["position"].is_number_integer());
  long long position = health["position"];
  auto events = get_json(port, "/events?limit=1000");
  REQUIRE_FALSE(events.empty());
  CHECK(events.back()["position"] == position);
  CHECK(get_json(port, "/events?after=" + std::to_string(position)).empty());
}

TEST_CASE("/metrics is Prometheus text with HELP and TYPE for every family") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  created(port, "/tags/", {{"name", "Хит"}});
  http_get(port, "/products/1");
  auto res = http_get(port, "/metrics");
  REQUIRE(res.status == 200);
  CHECK(res.header("content-type").rfind("text/plain", 0) == 0);
  Scrape s = parse_metrics(res.body);
  INFO(res.body);
  CHECK(s.malformed.empty());
  for (const auto& sample : s.samples) {
    std::string family = family_of(s, sample.name);
    INFO(sample.name);
    CHECK(s.types.count(family) == 1);
    CHECK(s.helped.count(family) == 1);
  }
  for (const auto& [family, type] : s.types) {
    INFO(family << " " << type);
    CHECK(s.helped.count(family) == 1);
    CHECK(std::set<std::string>{"counter", "gauge", "histogram", "summary", "untyped"}.count(type));
  }
  const std::map<std::string, std::string> expected{
      {"catalog_http_requests_total", "counter"},
      {"catalog_http_request_duration_seconds", "histogram"},
      {"catalog_http_open_connections", "gauge"},
      {"catalog_events_appended_total", "counter"},
      {"catalog_commit_batches_total", "counter"},
      {"catalog_projection_lag_events", "gauge"},
      {"catalog_notifier_queue_events", "gauge"},
  };
  for (const auto& [family, type] : expected) {
    INFO(family);
    REQUIRE(s.types.count(family) == 1);
    CHECK(s.types.at(family) == type);
  }
}

TEST_CASE("the latency histogram's buckets are cumulative and end in its count") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  for (int i = 0; i < 5; ++i)
    http_get(server.port(), "/health");
  Scrape s = scrape(server.port());
  const std::string name = "catalog_http_request_duration_seconds";
  double previous = 0;
  double infinity = -1;
  for (const auto& sample : s.samples) {
    if (sample.name != name + "_bucket") continue;
    CHECK(sample.value >= previous);
    previous = sample.value;
    if (sample.labels.count("le") && sample.labels.at("le") == "+Inf") infinity = sample.value;
  }
  CHECK(infinity == s.value(name + "_count"));
  CHECK(s.value(name + "_count") >= 5);
  CHECK(s.has(name + "_sum"));
}

TEST_CASE("requests are counted by route template and status, never by raw path") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  long long id =
      created(port, "/products/",
              {{"name", "Плюмбус"}, {"price_shmeckles", 12}, {"price_flurbos", 8.5}})["id"];
  Scrape before = scrape(port);
  for (int i = 0; i < 3; ++i)
    REQUIRE(http_get(port, "/products/" + std::to_string(id)).status == 200);
  for (int i = 0; i < 2; ++i)
    REQUIRE(http_get(port, "/products/987654").status == 404);
  REQUIRE(http_get(port, "/no/such/route/42").status == 404);
  Scrape after = scrape(port);

  const std::string requests = "catalog_http_requests_total";
  CHECK(after.value(requests, product_by_id_ok) - before.value(requests, product_by_id_ok) == 3);
  CHECK(after.value(requests, product_by_id_missing) -
            before.value(requests, product_by_id_missing) ==
        2);
  CHECK(after.value(requests, {{"route", "/products/"}, {"method", "POST"}, {"status", "201"}}) ==
        1);
  for (const auto& sample : after.samples) {
    if (sample.name != requests) continue;
    REQUIRE(sample.labels.count("route") == 1);
    INFO("route " << sample.labels.at("route"));
    CHECK_FALSE(contains(sample.labels.at("route"), "987654"));
    CHECK_FALSE(contains(sample.labels.at("route"), "/no/such"));
    CHECK_FALSE(contains(sample.labels.at("route"), "/products/" + std::to_string(id)));
  }
}

TEST_CASE("the latency histogram counts the answered requests") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  const std::string count = "catalog_http_request_duration_seconds_count";
  double before = scrape(port).value(count);
  for (int i = 0; i < 7; ++i)
    http_get(port, "/tags/");
  double after = scrape(port).value(count);
  CHECK(after - before >= 7);
}

TEST_CASE("writes grow events appended and commit batches, never more batches than commands") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  Scrape before = scrape(port);
  constexpr int writers = 16, each = 5;
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < each; ++i) {
        auto res = http_post(port, "/tags/",
                             {{"name", "w" + std::to_string(w) + "-" + std::to_string(i)}});
        if (res.status == 201) ++acknowledged;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  REQUIRE(acknowledged == writers * each);
  Scrape after = scrape(port);

  double events =
      after.value("catalog_events_appended_total") - before.value("catalog_events_appended_total");
  double batches =
      after.value("catalog_commit_batches_total") - before.value("catalog_commit_batches_total");
  CHECK(events == writers * each);  // one TagCreated per command
  CHECK(batches >= 1);
  CHECK(batches <= writers * each);  // group commit: one batch answers one or more commands
  CHECK(after.value("catalog_projection_lag_events") == 0);
  long long head = get_json(port, "/health")["position"];
  CHECK(head == writers * each);
  if (after.has("catalog_event_log_position"))
    CHECK(after.value("catalog_event_log_position") == head);
}

TEST_CASE("projection lag is 0 once a write is answered") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  for (int i = 0; i < 5; ++i) {
    created(port, "/categories/", {{"name", "c" + std::to_string(i)}});
    CHECK(scrape(port).value("catalog_projection_lag_events") == 0);
  }
}

TEST_CASE("the notifier queue gauge is -1 while notifications are off") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  created(server.port(), "/tags/", {{"name", "Хит"}});
  Scrape s = scrape(server.port());
  REQUIRE(s.has("catalog_notifier_queue_events"));
  CHECK(s.value("catalog_notifier_queue_events") == -1);
}

TEST_CASE("open connections count the request being answered and an idle client") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  CHECK(scrape(port).value("catalog_http_open_connections") >= 1);

  // A client that connected and has not sent anything yet is an open connection too.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket idle(ioc);
  idle.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  double open = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((open = scrape(port).value("catalog_http_open_connections")) < 2 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(open >= 2);
}

TEST_CASE("every answer carries an X-Request-ID of its own") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  std::vector<HttpResponse> answers{
      http_get(port, "/health"),
      http_post(port, "/tags/", {{"name", "Хит"}}),
      http_post(port, "/tags/", {{"name", ""}}),
      http_get(port, "/products/12345"),
      http_request(port, "PATCH", "/tags/"),
      http_get(port, "/no-such-route"),
      http_get(port, "/metrics"),
  };
  std::set<std::string> ids;
  for (const auto& res : answers) {
    INFO(res.status << " " << res.body.substr(0, 100));
    std::string id = res.header("x-request-id");
    CHECK_FALSE(id.empty());
    ids.insert(id);
  }
  CHECK(ids.size() == answers.size());
}

TEST_CASE("a plain client X-Request-ID is echoed and names the request's log line") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  auto res = http_request(port, "GET", "/categories/", "", {{"X-Request-ID", "abc-123"}});
  CHECK(res.status == 200);
  CHECK(res.header("x-request-id") == "abc-123");
  std::string log = log_with(server, "abc-123");
  check_request_line(log, "abc-123", "GET", "/categories/", 200);
}

TEST_CASE("an unsafe client X-Request-ID is replaced, in the answer and in the log") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  const std::vector<std::string> unsafe{"has spaces in it", std::string(100, 'a'),
                                        "quote\"and{braces}", "semi;colon=x"};
  for (const auto& sent : unsafe) {
    auto res = http_request(port, "GET", "/health", "", {{"X-Request-ID", sent}});
    std::string given = res.header("x-request-id");
    INFO("sent " << sent << ", answered " << given);
    CHECK(res.status == 200);
    CHECK_FALSE(given.empty());
    CHECK(given != sent);
    std::string log = log_with(server, given);
    CHECK(lines_with(log, given).size() == 1);
    CHECK_FALSE(contains(log, sent));
  }
}

TEST_CASE("the server logs one line per request with method, route, status, duration and id") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  auto product = http_post(port, "/products/",
                           {{"name", "Плюмбус"}, {"price_shmeckles", 12}, {"price_flurbos", 8}},
                           {{"X-Request-ID", "obs-create-1"}});
  REQUIRE(product.status == 201);
  std::string id = product.json()["id"].dump();
  REQUIRE(
      http_request(port, "GET", "/products/" + id, "", {{"X-Request-ID", "obs-read-2"}}).status ==
      200);
  REQUIRE(
      http_request(port, "GET", "/products/999999", "", {{"X-Request-ID", "obs-miss-3"}}).status ==
      404);
  REQUIRE(http_request(port, "PUT", "/products/" + id, R"({"price_shmeckles": -1})",
                       {{"X-Request-ID", "obs-bad-4"}, {"Content-Type", "application/json"}})
              .status == 422);
  REQUIRE(http_request(port, "DELETE", "/products/" + id, "", {{"X-Request-ID", "obs-delete-5"}})
              .status == 204);
  std::string log = log_with(server, "obs-delete-5");
  check_request_line(log, "obs-create-1", "POST", "/products/", 201);
  check_request_line(log, "obs-read-2", "GET", "/products/{id}", 200);
  check_request_line(log, "obs-miss-3", "GET", "/products/{id}", 404);
  check_request_line(log, "obs-bad-4", "PUT", "/products/{id}", 422);
  check_request_line(log, "obs-delete-5", "DELETE", "/products/{id}", 204);
}

TEST_CASE("the server logs its start-up and, on SIGTERM, its shutdown, and exits 0") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  REQUIRE(http_get(server.port(), "/health").status == 200);
  REQUIRE(server.stop() == 0);
  std::string log = server.log();
  INFO(log);
  auto starting = log.find("catalog starting");
  auto listening = log.find("listening on");
  auto stopping = log.find("received: stopping");
  auto stopped = log.find("catalog stopped");
  REQUIRE(starting != std::string::npos);
  REQUIRE(listening != std::string::npos);
  REQUIRE(stopping != std::string::npos);
  REQUIRE(stopped != std::string::npos);
  CHECK(starting < listening);
  CHECK(listening < stopping);
  CHECK(stopping < stopped);
  CHECK(contains(log.substr(listening, log.find('\n', listening) - listening),
                 ":" + std::to_string(server.port())));
}

TEST_CASE("SQL_ECHO=1 logs the SQL statements without their bound values") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"), {{"SQL_ECHO", "1"}});
  const std::string name = "Коробка-Мисикса-zq81x";
  const std::string description = "описание-k7v2w";
  created(server.port(), "/products/",
          {{"name", name},
           {"description", description},
           {"price_shmeckles", 4242.42},
           {"price_flurbos", 1}});
  REQUIRE(get_json(server.port(), "/products/?name=zq81x").size() == 1);
  REQUIRE(server.stop() == 0);
  std::string log = server.log();
  INFO(log.substr(0, 4000));
  CHECK(contains(log, "sql: "));
  CHECK(contains(log, "INSERT INTO products"));
  CHECK_FALSE(contains(log, name));
  CHECK_FALSE(contains(log, "zq81x"));
  CHECK_FALSE(contains(log, description));
  CHECK_FALSE(contains(log, "4242.42"));
}

TEST_CASE("without SQL_ECHO no SQL is logged") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  created(server.port(), "/tags/", {{"name", "Хит"}});
  REQUIRE(server.stop() == 0);
  CHECK_FALSE(contains(server.log(), "sql: "));
}
