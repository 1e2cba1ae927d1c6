// A node that starts far behind the shared log copies it in one pass before it serves, and
// says meanwhile, on its own port, that it is catching up (API.md, "Running as a cluster").
#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <thread>

#include "support/cluster_nodes.hpp"
#include "support/http_client.hpp"
#include "support/log_fixtures.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/temp_postgres.hpp"

using namespace catalog::testing;
using nlohmann::json;

namespace {

// Enough for the copy in one pass (a node 20,000 events behind or more), and for the copy
// to last a moment one can see.
constexpr int long_log = 60000;

// What a port answered to /health, as often as it could, until `stop`.
struct HealthWatch {
  std::atomic<bool> stop{false};
  std::set<std::string> seen;  // "status role", or "refused"
  std::string catching_up_body;

  void run(unsigned short port) {
    while (!stop) {
      try {
        auto r = http_get(port, "/health");
        std::string role = r.json().value("role", "");
        seen.insert(std::to_string(r.status) + " " + role);
        if (role == "catching-up") {
          catching_up_body = r.body;
          CHECK(r.status == 503);
        }
      } catch (const std::exception&) {
        seen.insert("refused");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
};

}  // namespace

TEST_CASE(
    "a node started on a long log copies it in one pass, says it is catching up meanwhile, "
    "and then serves and writes it") {
  TempPostgres pg;
  TempDir dir;
  // A single node's log, moved into PostgreSQL as a user would.
  std::string source = dir.file("single.db");
  {
    ServerProcess single(dir.path(), source);
    REQUIRE(http_post(single.port(), "/categories/", {{"name", "Гаджеты"}}).status == 201);
    REQUIRE(single.stop() == 0);
  }
  append_tag_events(source, 1, long_log);
  auto copy = run_catalog(dir.path(), {"copy-log", "--to", pg.url()},
                          {{"DATABASE_URL", database_url(source)}});
  INFO(copy.out << copy.err);
  REQUIRE(copy.exit_code == 0);
  const int64_t head = long_log + 1;

  unsigned short port = free_port();
  HealthWatch watch;
  std::thread watcher([&] { watch.run(port); });
  std::unique_ptr<ServerProcess> node;
  try {
    node = std::make_unique<ServerProcess>(dir.path(), dir.file("read.db"),
                                           node_env(dir.path(), pg, port));
  } catch (...) {
    watch.stop = true;
    watcher.join();
    throw;
  }
  watch.stop = true;
  watcher.join();
  INFO(node->log());

  // The port answered from the start: catching up (never a refused connection once it
  // listened), then ready.
  CHECK(watch.seen.count("503 catching-up") == 1);
  CHECK(json::parse(watch.catching_up_body)["problem"].get<std::string>().find(
            "catching up with the log") == 0);
  CHECK(node->log().find("events behind the log: copying them in one pass") != std::string::npos);
  CHECK(node->log().find("copied " + std::to_string(head) + " events") != std::string::npos);

  // The copy is the log, and the read model shows it.
  auto health = http_get(port, "/health");
  CHECK(health.status == 200);
  CHECK(health.json()["position"] == head);
  auto verify = http_get(port, "/audit/verify").json();
  CHECK(verify["ok"] == true);
  CHECK(verify["position"] == head);
  auto tags = http_get(port, "/tags/").json();
  REQUIRE(tags.size() == long_log);
  CHECK(tags.back()["name"] == "метка 60000");
  CHECK(http_get(port, "/categories/1").json()["name"] == "Гаджеты");

  // The write model came with the copy: the next tag gets the next id, the next position.
  REQUIRE(eventually([&] { return cluster_of(port)["role"] == "writer"; }));
  auto created = http_post(port, "/tags/", {{"name", "после копии"}});
  REQUIRE(created.status == 201);
  CHECK(created.json()["id"] == long_log + 1);
  CHECK(created.header("catalog-position") == std::to_string(head + 1));
  // A name the copy holds is taken.
  CHECK(http_post(port, "/tags/", {{"name", "МЕТКА 7"}}).status == 409);
  CHECK(pg.sql("SELECT count(*) FROM events") == std::to_string(head + 1));

  // Restarted, it is only one event behind: it follows the log from its own copy.
  node->stop();
  node->restart();
  CHECK(node->log().find("follows the log from position " + std::to_string(head + 1)) !=
        std::string::npos);
  CHECK(http_get(node->port(), "/audit/verify").json()["ok"] == true);
}
