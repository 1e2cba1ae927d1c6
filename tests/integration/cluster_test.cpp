// A cluster on a real PostgreSQL: three `catalog serve` nodes share the log, one writes, any
// takes any request, and every route answers alike on every node.
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "support/cluster_nodes.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;

namespace {

int64_t position_header(const HttpResponse& res) {
  return std::stoll(res.header("catalog-position"));
}

std::vector<int> followers_of(const std::vector<std::unique_ptr<ClusterNode>>& nodes, int writer) {
  std::vector<int> out;
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
    if (i != writer) out.push_back(i);
  }
  return out;
}

}  // namespace

TEST_CASE("three nodes started at once on an empty database: one migrates, one writes") {
  TempPostgres pg;
  TempDir dir;
  auto nodes = start_nodes(dir.path(), pg, 3);
  int writer = writer_of(nodes);
  REQUIRE(writer >= 0);

  CHECK(pg.sql("SELECT count(*) FROM schema_migrations") == "11");
  int migrated = 0;
  for (auto& n : nodes) {
    if (n->process().log().find("applied schema migration 0001 event_log (PostgreSQL)") !=
        std::string::npos)
      ++migrated;
  }
  CHECK(migrated == 1);

  // Every node knows the same writer and sees all three.
  for (auto& n : nodes) {
    REQUIRE(eventually([&] { return cluster_of(n->port())["nodes"].size() == 3; }));
    auto c = cluster_of(n->port());
    CHECK(c["node"] == n->url());
    CHECK(c["writer"] == nodes[writer]->url());
    CHECK(c["role"] == (n.get() == nodes[writer].get() ? "writer" : "follower"));
    auto health = http_get(n->port(), "/health");
    CHECK(health.status == 200);
    CHECK(health.json()["role"] == c["role"]);
  }
}

TEST_CASE("a mutation on a follower is decided by the writer and readable where it was sent") {
  TempPostgres pg;
  TempDir dir;
  auto nodes = start_nodes(dir.path(), pg, 3);
  int writer = writer_of(nodes);
  REQUIRE(writer >= 0);
  auto f = followers_of(nodes, writer);
  auto& a = *nodes[f[0]];
  auto& b = *nodes[f[1]];

  auto created = http_post(a.port(), "/categories/", {{"name", "Гаджеты"}});
  REQUIRE(created.status == 201);
  CHECK(created.header("location") == "/categories/1");
  CHECK(created.header("etag") == "\"1\"");
  int64_t position = position_header(created);
  CHECK(position == 1);
  // Read-your-writes on the node that was asked, with no waiting of the client's own.
  auto read = http_get(a.port(), "/categories/1");
  CHECK(read.status == 200);
  CHECK(read.json()["name"] == "Гаджеты");
  CHECK(position_header(read) >= position);

  // Another node, told the position, answers once it has it.
  auto product = http_post(b.port(), "/products/",
                           {{"name", "Портальная пушка"},
                            {"price_shmeckles", 250.5},
                            {"price_flurbos", 180},
                            {"category_id", 1}});
  REQUIRE(product.status == 201);
  int64_t product_at = position_header(product);
  auto seen = http_request(a.port(), "GET", "/products/1", "",
                           {{"Catalog-Min-Position", std::to_string(product_at)}});
  CHECK(seen.status == 200);
  CHECK(seen.json()["category"]["name"] == "Гаджеты");

  // Refusals come from the writer, unchanged.
  auto duplicate = http_post(a.port(), "/categories/", {{"name", "гаджеты"}});
  CHECK(duplicate.status == 409);
  auto invalid = http_post(a.port(), "/products/", {{"name", ""}});
  CHECK(invalid.status == 422);
  CHECK(http_delete(b.port(), "/tags/99").status == 404);

  // The log and the read model are the same on every node.
  eventually([&] {
    for (auto& n : nodes) {
      if (position_header(http_get(n->port(), "/health")) < product_at) return false;
    }
    return true;
  });
  auto events = http_get(nodes[writer]->port(), "/events").json();
  for (auto& n : nodes) {
    CHECK(http_get(n->port(), "/events").json() == events);
    CHECK(http_get(n->port(), "/products/").json() == http_get(a.port(), "/products/").json());
    CHECK(http_get(n->port(), "/products/1?as_of=1").status == 404);
    auto verify = http_get(n->port(), "/audit/verify").json();
    CHECK(verify["ok"] == true);
    CHECK(verify["head"] == events.back()["hash"]);
  }
}

TEST_CASE("Catalog-Min-Position beyond the head waits 5 s, then 503 with Retry-After") {
  TempPostgres pg;
  TempDir dir;
  ClusterNode node(dir.path(), pg, "only");
  REQUIRE(eventually([&] { return cluster_of(node.port())["role"] == "writer"; }));
  auto started = std::chrono::steady_clock::now();
  auto waited =
      http_request(node.port(), "GET", "/categories/", "", {{"Catalog-Min-Position", "5"}});
  CHECK(waited.status == 503);
  CHECK(waited.header("retry-after") == "1");
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(4900));

  // A read that waits is answered as soon as the write it waits for is applied.
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    http_post(node.port(), "/tags/", {{"name", "Хит"}});
  });
  auto answered = http_request(node.port(), "GET", "/tags/", "", {{"Catalog-Min-Position", "1"}});
  writer.join();
  CHECK(answered.status == 200);
  CHECK(answered.json().size() == 1);

  for (const std::string bad : {"-1", "x", "1.5", ""}) {
    auto refused = http_request(node.port(), "GET", "/tags/", "", {{"Catalog-Min-Position", bad}});
    CHECK(refused.status == 422);
  }
}

TEST_CASE("the shared log refuses UPDATE, DELETE, TRUNCATE and an insert that breaks the chain") {
  TempPostgres pg;
  TempDir dir;
  ClusterNode node(dir.path(), pg, "only");
  REQUIRE(eventually([&] { return cluster_of(node.port())["role"] == "writer"; }));
  REQUIRE(http_post(node.port(), "/tags/", {{"name", "Хит"}}).status == 201);
  REQUIRE(http_post(node.port(), "/tags/", {{"name", "Новинка"}}).status == 201);

  CHECK_THROWS_WITH(pg.sql("UPDATE events SET data = '{}' WHERE position = 1"),
                    Catch::Contains("append-only"));
  CHECK_THROWS_WITH(pg.sql("DELETE FROM events WHERE position = 2"),
                    Catch::Contains("append-only"));
  CHECK_THROWS_WITH(pg.sql("TRUNCATE events"), Catch::Contains("append-only"));
  // A row whose hash does not follow from its predecessor, and one that skips a position.
  std::string row =
      "INSERT INTO events VALUES (3, 'tag-3', 1, 'TagCreated', "
      "'{\"id\":3,\"name\":\"x\"}', '2026-01-01T00:00:00.000Z', '" +
      std::string(64, 'a') + "')";
  CHECK_THROWS_WITH(pg.sql(row), Catch::Contains("does not chain"));
  std::string gap = row;
  gap.replace(gap.find("(3,"), 3, "(4,");
  CHECK_THROWS_WITH(pg.sql(gap), Catch::Contains("does not follow the head"));
  // A session without the writer lock cannot append through the writer's function.
  CHECK_THROWS_WITH(pg.sql("SELECT catalog_append(3, 'x', '[]', '[]')"),
                    Catch::Contains("writer lock"));
  CHECK(pg.sql("SELECT count(*) FROM events") == "2");
  CHECK(http_get(node.port(), "/audit/verify").json()["ok"] == true);
}

TEST_CASE("an event stream on a follower gets the writer's events live, in order") {
  TempPostgres pg;
  TempDir dir;
  auto nodes = start_nodes(dir.path(), pg, 2);
  int writer = writer_of(nodes);
  REQUIRE(writer >= 0);
  auto& follower = *nodes[1 - writer];
  std::string received;
  std::thread reader([&] {
    received = raw_exchange(follower.port(),
                            "GET /events/stream?after=0 HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int i = 0; i < 5; ++i)
    REQUIRE(
        http_post(nodes[writer]->port(), "/tags/", {{"name", "tag " + std::to_string(i)}}).status ==
        201);
  reader.join();
  for (int i = 1; i <= 5; ++i)
    CHECK(received.find("id: " + std::to_string(i) + "\n") != std::string::npos);
  CHECK(received.find("id: 1\n") < received.find("id: 5\n"));
}
