// A cluster under faults, on a real PostgreSQL: writers killed, paused and cut off, the
// server stopped, a follower restarted, the log replaced by an older copy. Whatever
// happens, an acknowledged write is on every node, the log has no gap and no fork, and every
// node verifies it with the same head.
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "support/cluster_nodes.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

using Nodes = std::vector<std::unique_ptr<ClusterNode>>;

bool alive(const ClusterNode& n) {
  return const_cast<ClusterNode&>(n).process().pid() > 0;
}

// Clients that create products through every node, each product with its own name and
// Idempotency-Key, retrying (on another node, after a refused connection or a 503) with the
// same key until it is acknowledged: what a careful client does through a failover.
class WriteLoad {
 public:
  WriteLoad(Nodes& nodes, int clients) : nodes_(nodes) {
    for (int c = 0; c < clients; ++c)
      threads_.emplace_back([this, c] { run(c); });
  }
  ~WriteLoad() { stop(); }

  void stop() {
    stopping_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  // name -> the id its 201 named
  std::map<std::string, int64_t> acknowledged() {
    std::lock_guard lock(mutex_);
    return acked_;
  }
  std::vector<std::string> failures() {
    std::lock_guard lock(mutex_);
    return failures_;
  }
  Clock::time_point last_success() {
    std::lock_guard lock(mutex_);
    return last_success_;
  }

 private:
  void run(int client) {
    for (int i = 0; !stopping_; ++i) {
      std::string name = "load " + std::to_string(client) + "-" + std::to_string(i);
      std::string key = "key-" + std::to_string(client) + "-" + std::to_string(i);
      json body{{"name", name}, {"price_shmeckles", i}, {"price_flurbos", client}};
      auto give_up = Clock::now() + std::chrono::seconds(30);
      for (size_t attempt = 0; Clock::now() < give_up; ++attempt) {
        auto& node = *nodes_[(client + attempt) % nodes_.size()];
        if (!alive(node)) continue;
        HttpResponse res;
        try {
          res = http_post(node.port(), "/products/", body, {{"Idempotency-Key", key}});
        } catch (const std::exception&) {
          // Killed, or killed while answering: the key makes trying again safe.
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          continue;
        }
        if (res.status == 201) {
          std::lock_guard lock(mutex_);
          acked_[name] = res.json()["id"];
          last_success_ = Clock::now();
          break;
        }
        if (res.status != 503) {
          std::lock_guard lock(mutex_);
          failures_.push_back(name + ": " + std::to_string(res.status) + " " + res.body);
          break;
        }
        // A 503 during a failover names the key to retry with: the one sent.
        if (res.header("idempotency-key") != key && !res.header("idempotency-key").empty()) {
          std::lock_guard lock(mutex_);
          failures_.push_back(name + ": 503 named another key " + res.header("idempotency-key"));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }

  Nodes& nodes_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::map<std::string, int64_t> acked_;
  std::vector<std::string> failures_;
  Clock::time_point last_success_{};
  std::vector<std::thread> threads_;
};

int64_t head_in_postgres(const TempPostgres& pg) {
  return std::stoll(pg.sql("SELECT coalesce(max(position), 0) FROM events"));
}

// Every node has applied the whole log, verifies it with the same head, and shows exactly
// the acknowledged products (each once); the log has no gap.
void check_converged(const TempPostgres& pg, Nodes& nodes,
                     const std::map<std::string, int64_t>& acked) {
  int64_t head = head_in_postgres(pg);
  CHECK(pg.sql("SELECT count(*) = max(position) FROM events") == "t");
  std::string head_hash;
  for (auto& n : nodes) {
    if (!alive(*n)) continue;
    INFO("node " << n->url());
    REQUIRE(eventually([&] { return cluster_of(n->port())["position"] == head; },
                       std::chrono::seconds(20)));
    auto verify = http_get(n->port(), "/audit/verify").json();
    CHECK(verify["ok"] == true);
    CHECK(verify["position"] == head);
    if (head_hash.empty()) head_hash = verify["head"];
    CHECK(verify["head"] == head_hash);
    std::map<std::string, int> seen;
    for (int64_t skip = 0;; skip += 1000) {
      auto page = http_get(n->port(), "/products/?limit=1000&skip=" + std::to_string(skip)).json();
      for (const auto& p : page)
        ++seen[p["name"].get<std::string>()];
      if (page.size() < 1000) break;
    }
    for (const auto& [name, id] : acked) {
      INFO(name);
      CHECK(seen[name] == 1);
    }
    for (const auto& [name, count] : seen)
      CHECK(count == 1);
  }
}

pid_t pid_of(ClusterNode& n) {
  return n.process().pid();
}

}  // namespace

TEST_CASE("kill -9 of the writer under load: another node writes within 5 s, nothing is lost") {
  TempPostgres pg;
  TempDir dir;
  auto nodes = start_nodes(dir.path(), pg, 3);
  REQUIRE(writer_of(nodes) >= 0);
  WriteLoad load(nodes, 4);
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    int writer = writer_of(nodes);
    REQUIRE(writer >= 0);
    auto killed = Clock::now();
    nodes[writer]->process().kill9();
    // Another node holds the lock and answers writes within the failover bound.
    int next = writer_of(nodes, std::chrono::seconds(5));
    CHECK(next >= 0);
    CHECK(next != writer);
    CHECK(eventually([&] { return load.last_success() > killed; }, std::chrono::seconds(5)));
    nodes[writer]->process().restart();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  load.stop();
  CHECK(load.failures().empty());
  auto acked = load.acknowledged();
  CHECK(acked.size() > 20);
  check_converged(pg, nodes, acked);
}

TEST_CASE("the writer's connection terminated while it writes: no fork, no lost write") {
  TempPostgres pg;
  TempDir dir;
  auto nodes = start_nodes(dir.path(), pg, 2);
  REQUIRE(writer_of(nodes) >= 0);
  WriteLoad load(nodes, 4);
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    pg.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
        "AND classid = 1128354881 AND objid = 1 AND objsubid = 2 AND granted");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  load.stop();
  CHECK(load.failures().empty());
  check_converged(pg, nodes, load.acknowledged());
}

TEST_CASE("PostgreSQL stopped and started: reads go on, writes 503, every node recovers") {
  TempPostgres pg;
  TempDir dir;
  auto nodes = start_nodes(dir.path(), pg, 2);
  int writer = writer_of(nodes);
  REQUIRE(writer >= 0);
  REQUIRE(http_post(nodes[writer]->port(), "/categories/", {{"name", "Гаджеты"}}).status == 201);
  REQUIRE(eventually([&] { return cluster_of(nodes[1 - writer]->port())["position"] == 1; }));

  pg.stop();
  for (auto& n : nodes) {
    INFO(n->url());
    CHECK(eventually([&] {
      auto health = http_get(n->port(), "/health");
      return health.status == 503 && health.json()["role"] == "disconnected";
    }));
    CHECK(http_get(n->port(), "/categories/1").status == 200);
    CHECK(http_get(n->port(), "/events").json().size() == 1);
    auto refused = http_post(n->port(), "/tags/", {{"name", "Хит"}});
    CHECK(refused.status == 503);
    CHECK(refused.header("retry-after") == "1");
    CHECK_FALSE(refused.header("idempotency-key").empty());
  }

  pg.start();
  REQUIRE(writer_of(nodes, std::chrono::seconds(15)) >= 0);
  for (auto& n : nodes) {
    INFO(n->url());
    CHECK(eventually([&] { return http_get(n->port(), "/health").status == 200; }));
    CHECK(http_post(n->port(), "/tags/", {{"name", "tag of " + n->url()}}).status == 201);
  }
  check_converged(pg, nodes, {});
}

TEST_CASE("a follower killed and restarted resumes from its read model and catches up") {
  TempPostgres pg;
  TempDir dir;
  auto nodes = start_nodes(dir.path(), pg, 2);
  int writer = writer_of(nodes);
  REQUIRE(writer >= 0);
  auto& follower = *nodes[1 - writer];
  for (int i = 0; i < 20; ++i)
    REQUIRE(http_post(nodes[writer]->port(), "/tags/", {{"name", "before " + std::to_string(i)}})
                .status == 201);
  REQUIRE(eventually([&] { return cluster_of(follower.port())["position"] == 20; }));
  follower.process().kill9();
  for (int i = 0; i < 30; ++i)
    REQUIRE(http_post(nodes[writer]->port(), "/tags/", {{"name", "after " + std::to_string(i)}})
                .status == 201);
  follower.process().restart();
  // It started from what its read model had, not from nothing.
  CHECK(follower.process().log().find("follows the log from position 20") != std::string::npos);
  CHECK(eventually([&] { return cluster_of(follower.port())["position"] == 50; }));
  CHECK(http_get(follower.port(), "/tags/").json() ==
        http_get(nodes[writer]->port(), "/tags/").json());
  check_converged(pg, nodes, {});
}

TEST_CASE("a writer paused past the failover bound acknowledges nothing it did not commit") {
  TempPostgres pg;
  TempDir dir;
  auto nodes = start_nodes(dir.path(), pg, 3);
  int old_writer = writer_of(nodes);
  REQUIRE(old_writer >= 0);
  auto& old = *nodes[old_writer];
  REQUIRE(http_post(old.port(), "/tags/", {{"name", "before the pause"}}).status == 201);

  ::kill(pid_of(old), SIGSTOP);
  HttpResponse sent_to_old;
  std::thread client([&] {
    try {
      sent_to_old = http_post(old.port(), "/tags/", {{"name", "sent to the paused writer"}},
                              {{"Idempotency-Key", "paused-1"}});
    } catch (const std::exception&) {
    }
  });
  // A new writer within the bound (PostgreSQL ends the silent session after 3 s).
  std::vector<std::unique_ptr<ClusterNode>> others;
  int next = -1;
  REQUIRE(eventually(
      [&] {
        for (int i = 0; i < 3; ++i) {
          if (i != old_writer && cluster_of(nodes[i]->port())["role"] == "writer") next = i;
        }
        return next >= 0;
      },
      std::chrono::seconds(6)));
  REQUIRE(http_post(nodes[next]->port(), "/tags/", {{"name", "after the takeover"}}).status == 201);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(pid_of(old), SIGCONT);
  client.join();

  // The old writer's session was ended while it slept: whatever it answers now comes from
  // the new writer's log, and it follows that log.
  REQUIRE(eventually([&] { return cluster_of(old.port())["role"] == "follower"; }));
  int copies = 0;
  for (const auto& t : http_get(nodes[next]->port(), "/tags/").json())
    copies += t["name"] == "sent to the paused writer";
  CHECK(copies == (sent_to_old.status == 201 ? 1 : 0));
  CHECK((sent_to_old.status == 201 || sent_to_old.status == 503 || sent_to_old.status == 0));
  check_converged(pg, nodes, {});
}

TEST_CASE("one Idempotency-Key sent to two nodes at once gets one decision") {
  TempPostgres pg;
  TempDir dir;
  auto nodes = start_nodes(dir.path(), pg, 3);
  REQUIRE(writer_of(nodes) >= 0);
  for (int round = 0; round < 5; ++round) {
    std::string key = "twice-" + std::to_string(round);
    json body{{"name", "one of two " + std::to_string(round)},
              {"price_shmeckles", 1},
              {"price_flurbos", 2}};
    std::vector<HttpResponse> answers(nodes.size());
    std::vector<std::thread> clients;
    for (size_t i = 0; i < nodes.size(); ++i) {
      clients.emplace_back([&, i] {
        answers[i] = http_post(nodes[i]->port(), "/products/", body, {{"Idempotency-Key", key}});
      });
    }
    for (auto& c : clients)
      c.join();
    for (const auto& a : answers) {
      CHECK(a.status == 201);
      CHECK(a.body == answers[0].body);
      CHECK(a.header("location") == answers[0].header("location"));
    }
  }
  auto products = http_get(nodes[0]->port(), "/products/").json();
  CHECK(products.size() == 5);
}

TEST_CASE("a node handed an older history stops serving, says why, and rebuilds") {
  TempPostgres pg;
  TempDir dir;
  auto nodes = start_nodes(dir.path(), pg, 2);
  int writer = writer_of(nodes);
  REQUIRE(writer >= 0);
  for (const char* name : {"one", "two", "three"})
    REQUIRE(http_post(nodes[writer]->port(), "/tags/", {{"name", name}}).status == 201);
  REQUIRE(eventually([&] { return cluster_of(nodes[1 - writer]->port())["position"] == 3; }));

  // A backup of the database at position 3; then three more events; then the backup is
  // put back, as after a failover to a standby that missed the last commits.
  pg.stop();
  pg.save("at-3");
  pg.start();
  REQUIRE(writer_of(nodes, std::chrono::seconds(15)) >= 0);
  for (const char* name : {"four", "five", "six"}) {
    REQUIRE(eventually([&] {
      return http_post(nodes[0]->port(), "/tags/", {{"name", name}}).status == 201;
    }));
  }
  REQUIRE(eventually([&] {
    return cluster_of(nodes[0]->port())["position"] == 6 &&
           cluster_of(nodes[1]->port())["position"] == 6;
  }));
  pg.stop();
  pg.restore("at-3");
  pg.start();

  for (auto& n : nodes) {
    INFO(n->url());
    CHECK(eventually(
        [&] {
          return n->process().log().find("does not hold this node's head") != std::string::npos;
        },
        std::chrono::seconds(15)));
    CHECK(eventually(
        [&] { return n->process().log().find("read model moved to") != std::string::npos; }));
    // Rebuilt from the log PostgreSQL holds now, and serving again.
    CHECK(eventually([&] { return http_get(n->port(), "/health").status == 200; },
                     std::chrono::seconds(20)));
    CHECK(http_get(n->port(), "/events").json().size() == 3);
  }
  int now_writer = writer_of(nodes);
  REQUIRE(now_writer >= 0);
  REQUIRE(http_post(nodes[1 - now_writer]->port(), "/tags/", {{"name", "four again"}}).status ==
          201);
  check_converged(pg, nodes, {});
}
