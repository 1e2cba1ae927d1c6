// The write model's snapshot across real restarts: a stop saves it, a start loads it and
// folds only the events after it, and a snapshot cut short, damaged, of another database or
// older than a kill -9 is refused or caught up, the server answering as if it had folded
// the whole log.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_all(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

// Categories, tags and products with renames, updates and deletes, the highest ids deleted
// so that a model that forgot them would give them again.
void make_catalog(unsigned short port, const std::string& flavour) {
  auto gadgets = http_post(port, "/categories/", {{"name", "Гаджеты " + flavour}}).json();
  auto hit = http_post(port, "/tags/", {{"name", "Хит " + flavour}}).json();
  auto gone = http_post(port, "/tags/", {{"name", "Старое " + flavour}}).json();
  for (int i = 0; i < 12; ++i) {
    json body{{"name", "Товар " + flavour + std::to_string(i)},
              {"price_shmeckles", 10.5 * i},
              {"price_flurbos", i},
              {"category_id", gadgets["id"]},
              {"tag_ids", json::array({hit["id"]})}};
    if (i % 3 == 0) body["description"] = "описание " + std::to_string(i);
    REQUIRE(http_post(port, "/products/", body).status == 201);
  }
  REQUIRE(http_put(port, "/products/3", {{"price_shmeckles", 99.0}}).status == 200);
  REQUIRE(http_put(port, "/products/3", {{"name", "Переименован"}}).status == 200);
  REQUIRE(http_delete(port, "/products/12").status == 204);
  REQUIRE(http_delete(port, "/tags/" + gone["id"].dump()).status == 204);
  REQUIRE(http_put(port, "/categories/" + gadgets["id"].dump(), {{"name", "Девайсы " + flavour}})
              .status == 200);
}

// What a client can read, and what the write model decides next: the ids a create gets,
// the versions an update moves from, a name already taken.
json state_and_decisions(unsigned short port) {
  json out{{"categories", http_get(port, "/categories/").json()},
           {"tags", http_get(port, "/tags/").json()},
           {"products", http_get(port, "/products/?limit=1000").json()}};
  auto product = http_post(port, "/products/",
                           {{"name", "next"}, {"price_shmeckles", 1}, {"price_flurbos", 1}});
  REQUIRE(product.status == 201);
  out["next product"] = {product.status, product.json()["id"]};
  auto tag = http_post(port, "/tags/", {{"name", "next tag"}});
  REQUIRE(tag.status == 201);
  out["next tag"] = {tag.status, tag.json()["id"]};
  auto updated = http_put(port, "/products/3", {{"price_flurbos", 5}});
  out["update"] = {updated.status, updated.header("etag"), updated.json()["version"]};
  auto stale = http_put(port, "/products/3", {{"price_flurbos", 6}}, {{"If-Match", "\"1\""}});
  out["stale"] = stale.status;
  auto taken = http_post(port, "/categories/", {{"name", out["categories"][0]["name"]}});
  out["taken"] = taken.status;
  auto deleted = http_put(port, "/products/12", {{"price_flurbos", 5}});
  out["deleted"] = deleted.status;
  return out;
}

}  // namespace

TEST_CASE("a stop saves the write model and the next start loads it instead of folding") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  make_catalog(server.port(), "a");
  REQUIRE(server.stop() == 0);
  REQUIRE(std::filesystem::exists(db + ".write-model"));
  CHECK_FALSE(std::filesystem::exists(db + ".write-model.tmp"));
  CHECK(count_of(server.log(), "write model saved to") == 1);

  // The same database copied aside: it folds the whole log, for the expected answers.
  TempDir other;
  std::filesystem::copy_file(db, other.file("catalog.db"));
  ServerProcess folded(other.path(), other.file("catalog.db"));
  CHECK(count_of(folded.log(), "write model loaded") == 0);
  json expected = state_and_decisions(folded.port());

  server.restart();
  CHECK(count_of(server.log(), "write model loaded from") == 1);
  CHECK(count_of(server.log(), "is not used") == 0);
  CHECK(state_and_decisions(server.port()) == expected);
  CHECK(expected["next product"][1] == 13);  // 12 was deleted, and is not given again
}

TEST_CASE("a snapshot cut short, damaged or of another database is refused, the log folded") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  make_catalog(server.port(), "a");
  REQUIRE(server.stop() == 0);
  const std::string saved = read_all(db + ".write-model");
  REQUIRE(saved.size() > 100);

  // Another database with as many events, whose snapshot names the same position.
  TempDir elsewhere;
  ServerProcess another(elsewhere.path(), elsewhere.file("catalog.db"));
  make_catalog(another.port(), "b");
  REQUIRE(another.stop() == 0);
  const std::string foreign = read_all(elsewhere.file("catalog.db") + ".write-model");

  TempDir copy;
  std::filesystem::copy_file(db, copy.file("catalog.db"));
  ServerProcess folded(copy.path(), copy.file("catalog.db"));
  json expected = state_and_decisions(folded.port());

  struct Case {
    std::string name, contents, reason;
  };
  std::string damaged = saved;
  damaged[saved.size() / 2] = static_cast<char>(damaged[saved.size() / 2] ^ 0x01);
  std::vector<Case> cases = {
      {"cut short, as a kill -9 during a copy leaves it", saved.substr(0, saved.size() / 2),
       "digest does not match"},
      {"one bit changed", damaged, "digest does not match"},
      {"another database's", foreign, "another hash"},
      {"not a snapshot at all", std::string(200, 'x'), "not a write model snapshot"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    // Each start begins from the database as it was stopped: the probes write.
    TempDir run;
    std::filesystem::copy_file(db, run.file("catalog.db"));
    write_all(run.file("catalog.db") + ".write-model", c.contents);
    ServerProcess refused(run.path(), run.file("catalog.db"));
    std::string log = refused.log();
    CHECK(count_of(log, "is not used") == 1);
    CHECK(count_of(log, c.reason) == 1);
    CHECK(count_of(log, "write model loaded") == 0);
    CHECK(state_and_decisions(refused.port()) == expected);
  }
}

TEST_CASE("after a kill -9 the last snapshot is loaded and the events after it folded") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  make_catalog(server.port(), "a");
  REQUIRE(server.stop() == 0);
  server.restart();
  // Changes after the snapshot: to a product it holds, a new one, a deletion.
  unsigned short port = server.port();
  REQUIRE(http_put(port, "/products/5", {{"name", "после снимка"}}).status == 200);
  REQUIRE(http_post(port, "/products/",
                    {{"name", "новый"}, {"price_shmeckles", 2}, {"price_flurbos", 2}})
              .status == 201);
  REQUIRE(http_delete(port, "/products/11").status == 204);
  server.kill9();

  TempDir copy;
  std::filesystem::copy_file(db, copy.file("catalog.db"));
  if (std::filesystem::exists(db + "-wal"))
    std::filesystem::copy_file(db + "-wal", copy.file("catalog.db") + "-wal");
  ServerProcess folded(copy.path(), copy.file("catalog.db"));
  json expected = state_and_decisions(folded.port());
  CHECK(expected["next product"][1] == 14);

  server.restart();
  CHECK(count_of(server.log(), "write model loaded from") == 2);  // this start and the last
  CHECK(state_and_decisions(server.port()) == expected);
}

TEST_CASE("a snapshot is written in the background every CATALOG_SNAPSHOT_EVERY events") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db, {{"CATALOG_SNAPSHOT_EVERY", "10"}});
  make_catalog(server.port(), "a");  // 20 events
  // Written while the server runs: no stop has saved one.
  for (int i = 0; i < 400 && count_of(server.log(), "in the background") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  REQUIRE(count_of(server.log(), "in the background") >= 1);
  REQUIRE(std::filesystem::exists(db + ".write-model"));
  unsigned short port = server.port();
  REQUIRE(http_put(port, "/products/5", {{"name", "после снимка"}}).status == 200);
  server.kill9();
  CHECK(count_of(server.log(), "write model saved to") ==
        count_of(server.log(), "in the background"));  // none at a stop

  TempDir copy;
  std::filesystem::copy_file(db, copy.file("catalog.db"));
  if (std::filesystem::exists(db + "-wal"))
    std::filesystem::copy_file(db + "-wal", copy.file("catalog.db") + "-wal");
  ServerProcess folded(copy.path(), copy.file("catalog.db"), {{"CATALOG_SNAPSHOT_EVERY", "0"}});
  json expected = state_and_decisions(folded.port());
  REQUIRE(folded.stop() == 0);
  CHECK(count_of(folded.log(), "in the background") == 0);

  server.restart();
  CHECK(count_of(server.log(), "write model loaded from") == 1);
  CHECK(count_of(server.log(), "is not used") == 0);
  CHECK(state_and_decisions(server.port()) == expected);
}

TEST_CASE("a background snapshot that cannot be written is logged and tried again later") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  // Where the snapshot is written aside first: a directory cannot be opened as that file.
  std::filesystem::create_directory(db + ".write-model.tmp");
  ServerProcess server(dir.path(), db, {{"CATALOG_SNAPSHOT_EVERY", "5"}});
  make_catalog(server.port(), "a");  // 20 events, every request answered
  for (int i = 0; i < 400 && count_of(server.log(), "tried again later") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  size_t failures = count_of(server.log(), "tried again later");
  CHECK(failures >= 1);
  CHECK(failures <= 4);  // once per 5 events, not once per batch
  CHECK(server.log().find(".write-model.tmp") != std::string::npos);  // the path, named
  REQUIRE(server.stop() == 0);
  CHECK(count_of(server.log(), "the next start folds the log") == 1);
  CHECK_FALSE(std::filesystem::exists(db + ".write-model"));
  server.restart();
  CHECK(count_of(server.log(), "write model loaded") == 0);
  CHECK(http_get(server.port(), "/products/?limit=1000").json().size() == 11);
}
