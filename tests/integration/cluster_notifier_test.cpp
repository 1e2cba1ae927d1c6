// Telegram on a cluster: only the writer sends, its checkpoint lives in PostgreSQL, a new
// writer carries on where the old one stopped, and a writer that was paused sends nothing
// when it wakes. Every node is configured for the same chat; the fake Bot API counts.
#include <signal.h>

#include <catch2/catch.hpp>
#include <thread>

#include "support/cluster_nodes.hpp"
#include "support/fake_telegram.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using namespace std::chrono_literals;

namespace {

Env telegram_env(const FakeTelegram& fake) {
  return {{"TELEGRAM_BOT_API_KEY", "123456:SECRET-token"},
          {"TELEGRAM_USER_ID", "42"},
          {"TELEGRAM_API_BASE", fake.base_url()}};
}

void create_tags(ClusterNode& via, const std::string& prefix, int count) {
  for (int i = 0; i < count; ++i) {
    std::string name = prefix + " " + std::to_string(i);
    REQUIRE(eventually([&] {
      return http_post(via.port(), "/tags/", {{"name", name}}).status == 201;
    }));
  }
}

// The texts received, each expected to name one tag: how many name `name`.
int mentions(const FakeTelegram& fake, const std::string& name) {
  int n = 0;
  for (const auto& r : fake.received())
    n += r.text.find("«" + name + "»") != std::string::npos;
  return n;
}

}  // namespace

TEST_CASE("on a cluster only the writer notifies, each change once, and a new writer carries on") {
  FakeTelegram fake;
  TempPostgres pg;
  TempDir dir;
  auto nodes = start_nodes(dir.path(), pg, 2, telegram_env(fake));
  int writer = writer_of(nodes);
  REQUIRE(writer >= 0);
  create_tags(*nodes[1 - writer], "first", 5);
  REQUIRE(fake.wait_for(5, 10s));
  std::this_thread::sleep_for(1s);  // a follower that also sent would show by now
  CHECK(fake.received().size() == 5);
  for (int i = 0; i < 5; ++i) {
    CHECK(mentions(fake, "first " + std::to_string(i)) == 1);
    CHECK(fake.received()[i].text.find("first " + std::to_string(i)) != std::string::npos);
  }
  CHECK(pg.sql("SELECT position FROM notifier_checkpoints") == "5");

  nodes[writer]->process().kill9();
  int next = writer_of(nodes, 5s);
  REQUIRE(next == 1 - writer);
  create_tags(*nodes[next], "second", 5);
  REQUIRE(fake.wait_for(10, 10s));
  nodes[writer]->process().restart();
  std::this_thread::sleep_for(1500ms);
  CHECK(fake.received().size() == 10);
  for (int i = 0; i < 5; ++i)
    CHECK(mentions(fake, "second " + std::to_string(i)) == 1);
  CHECK(pg.sql("SELECT position FROM notifier_checkpoints") == "10");
}

TEST_CASE("a writer paused past the failover bound sends nothing when it wakes") {
  FakeTelegram fake;
  TempPostgres pg;
  TempDir dir;
  auto nodes = start_nodes(dir.path(), pg, 2, telegram_env(fake));
  int writer = writer_of(nodes);
  REQUIRE(writer >= 0);
  create_tags(*nodes[writer], "before", 3);
  REQUIRE(fake.wait_for(3, 10s));
  // Nothing in flight when it stops: a message sent but not yet checkpointed may be sent
  // again by the next writer (at least once), which is not what this test is about.
  REQUIRE(eventually([&] { return pg.sql("SELECT position FROM notifier_checkpoints") == "3"; }));

  ::kill(nodes[writer]->process().pid(), SIGSTOP);
  int next = -1;
  REQUIRE(eventually(
      [&] {
        if (cluster_of(nodes[1 - writer]->port())["role"] != "writer") return false;
        next = 1 - writer;
        return true;
      },
      6s));
  create_tags(*nodes[next], "while paused", 3);
  REQUIRE(fake.wait_for(6, 10s));
  ::kill(nodes[writer]->process().pid(), SIGCONT);
  REQUIRE(eventually([&] { return cluster_of(nodes[writer]->port())["role"] == "follower"; }));
  std::this_thread::sleep_for(2s);
  CHECK(fake.received().size() == 6);
  for (int i = 0; i < 3; ++i) {
    CHECK(mentions(fake, "before " + std::to_string(i)) == 1);
    CHECK(mentions(fake, "while paused " + std::to_string(i)) == 1);
  }
  CHECK(pg.sql("SELECT position FROM notifier_checkpoints") == "6");
  // The token stays out of every node's log.
  for (auto& n : nodes)
    CHECK(n->process().log().find("SECRET-token") == std::string::npos);
}
