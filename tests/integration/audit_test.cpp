// What an auditor relies on: GET /audit/verify and `catalog verify` prove a clean log,
// keep proving a digest taken earlier, and name the first position of a log or read model
// that was changed behind the service's back.
#include <openssl/evp.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "db/sqlite.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;

namespace {

json created(unsigned short port, const std::string& collection, const json& body) {
  auto res = http_post(port, collection, body);
  INFO(collection << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 201);
  return res.json();
}

std::string path_of(const std::string& collection, const json& entity) {
  return collection + std::to_string(entity["id"].get<long long>());
}

// The whole log as GET /events pages it.
json all_events(unsigned short port) {
  json all = json::array();
  for (;;) {
    long long after = all.empty() ? 0 : all.back()["position"].get<long long>();
    auto res = http_get(port, "/events?limit=1000&after=" + std::to_string(after));
    REQUIRE(res.status == 200);
    auto page = res.json();
    if (page.empty()) return all;
    for (auto& e : page)
      all.push_back(std::move(e));
  }
}

json stream_events(unsigned short port, const std::string& stream) {
  auto res = http_get(port, "/events?limit=1000&stream=" + stream);
  REQUIRE(res.status == 200);
  return res.json();
}

json http_verify(unsigned short port, const std::string& query = "") {
  auto res = http_get(port, "/audit/verify" + query);
  INFO("GET /audit/verify" << query << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 200);
  CHECK(res.header("content-type") == "application/json; charset=utf-8");
  return res.json();
}

// `catalog verify [args...]` against the test's database.
struct CliVerify {
  int exit_code;
  json report;  // the JSON on stdout
  std::string err;
};

CliVerify cli_verify(const TempDir& dir, const std::string& db,
                     const std::vector<std::string>& args = {}) {
  std::vector<std::string> argv{"verify"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_catalog(dir.path(), argv, {{"DATABASE_URL", database_url(db)}});
  INFO("catalog verify: exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  // stdout is the report alone, one JSON line, so that it can be piped to jq.
  REQUIRE(!r.out.empty());
  CHECK(r.out.back() == '\n');
  CHECK(r.out.find('\n') == r.out.size() - 1);
  return {r.exit_code, json::parse(r.out), r.err};
}

void check_clean(const json& report, const json& events) {
  INFO(report.dump());
  REQUIRE(!events.empty());
  CHECK(report == json{{"ok", true},
                       {"events", events.size()},
                       {"position", events.back()["position"]},
                       {"head", events.back()["hash"]}});
}

// A report that names `position` as the first that fails, with the head it read.
void check_fails_at(const json& report, long long position, long long events, const json& head) {
  INFO(report.dump());
  CHECK(report["ok"] == false);
  CHECK(report["position"] == position);
  CHECK(report["events"] == events);
  CHECK(report["head_position"] == head["position"]);
  CHECK(report["head"] == head["hash"]);
  REQUIRE(report["problem"].is_string());
  CHECK_FALSE(report["problem"].get<std::string>().empty());
}

void check_cli_fails_at(const CliVerify& v, long long position) {
  INFO(v.report.dump() << "\nstderr: " << v.err);
  CHECK(v.exit_code == 1);
  CHECK(v.report["position"] == position);
  CHECK(v.err.find("verify: FAILED at position " + std::to_string(position) + ":") !=
        std::string::npos);
}

// Categories, tags, products with several price changes, a rename and deletions.
void make_history(unsigned short port) {
  auto gadgets = created(port, "/categories/", {{"name", "Гаджеты"}});
  auto food = created(port, "/categories/", {{"name", "Еда"}});
  auto hit = created(port, "/tags/", {{"name", "Хит"}});
  auto fresh = created(port, "/tags/", {{"name", "Новинка"}});
  std::vector<json> products;
  for (int i = 0; i < 6; ++i) {
    products.push_back(created(port, "/products/",
                               {{"name", "Товар " + std::to_string(i)},
                                {"price_shmeckles", 10.5 + i},
                                {"price_flurbos", 2.0 * i},
                                {"category_id", i % 2 ? gadgets["id"] : food["id"]},
                                {"tag_ids", json::array({hit["id"], fresh["id"]})}}));
  }
  for (int round = 1; round <= 3; ++round) {
    for (const auto& p : products) {
      REQUIRE(
          http_put(port, path_of("/products/", p), {{"price_shmeckles", 100.0 * round}}).status ==
          200);
    }
  }
  REQUIRE(http_put(port, path_of("/categories/", gadgets), {{"name", "Девайсы"}}).status == 200);
  REQUIRE(http_delete(port, path_of("/tags/", fresh)).status == 204);
  REQUIRE(http_delete(port, path_of("/products/", products[5])).status == 204);
  REQUIRE(http_delete(port, path_of("/categories/", food)).status == 204);
}

// A ProductUpdated that changed a price, about halfway through the log.
json middle_price_update(const json& events) {
  for (std::size_t i = events.size() / 2; i < events.size(); ++i) {
    const auto& e = events[i];
    if (e["type"] == "ProductUpdated" && e["data"].contains("price_shmeckles")) return e;
  }
  FAIL("no price update in the second half of the log");
  return {};
}

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  REQUIRE(EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr) == 1);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

// A different hash of the same shape: the first hex digit changed.
std::string altered(std::string hash) {
  hash[0] = hash[0] == '0' ? '1' : '0';
  return hash;
}

// The server rebuilds its write model from the log at start and may or may not refuse a
// log that fails its audit; that is not the contract. If it does serve, its audit must
// report exactly what `catalog verify` reports on the same file.
void check_restarted_server_agrees(ServerProcess& server, const json& cli_report) {
  try {
    server.restart();
  } catch (const std::exception& ex) {
    WARN("the server does not start on the changed database: " << ex.what());
    return;
  }
  CHECK(http_verify(server.port()) == cli_report);
}

// Opens the database file directly, as someone with access to the disk would.
class Intruder {
 public:
  explicit Intruder(const std::string& path) : db_(path, catalog::db::OpenMode::read_write) {}
  catalog::db::Connection& db() { return db_; }

 private:
  catalog::db::Connection db_;
};

}  // namespace

TEST_CASE("a clean log verifies over HTTP and on the command line, naming the head it checked") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  make_history(server.port());
  auto events = all_events(server.port());

  auto report = http_verify(server.port());
  check_clean(report, events);
  CHECK(http_get(server.port(), "/health").json()["position"] == events.back()["position"]);

  // While the server runs, and after it stopped.
  auto live = cli_verify(dir, db);
  CHECK(live.exit_code == 0);
  CHECK(live.report == report);
  REQUIRE(server.stop() == 0);
  auto stopped = cli_verify(dir, db);
  CHECK(stopped.exit_code == 0);
  CHECK(stopped.report == report);
  CHECK(stopped.err.find("FAILED") == std::string::npos);
}

TEST_CASE("an empty log verifies with the genesis hash") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  CHECK(http_verify(server.port()) ==
        json{{"ok", true}, {"events", 0}, {"position", 0}, {"head", std::string(64, '0')}});
}

TEST_CASE("every event's hash recomputes from its content and the hash before it") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  make_history(server.port());
  std::string previous(64, '0');
  for (const auto& e : all_events(server.port())) {
    INFO(e.dump());
    std::string text = previous + "\n" + std::to_string(e["position"].get<long long>()) + "\n" +
                       e["stream"].get<std::string>() + "\n" +
                       std::to_string(e["version"].get<long long>()) + "\n" +
                       e["type"].get<std::string>() + "\n" + e["recorded_at"].get<std::string>() +
                       "\n" + e["data"].dump();
    CHECK(e["hash"] == sha256_hex(text));
    previous = e["hash"].get<std::string>();
  }
}

TEST_CASE("a digest kept earlier still verifies after more writes") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  unsigned short port = server.port();
  make_history(port);
  auto digest = http_verify(port);
  REQUIRE(digest["ok"] == true);
  std::string position = std::to_string(digest["position"].get<long long>());
  std::string hash = digest["head"].get<std::string>();

  for (int i = 0; i < 10; ++i)
    created(port, "/tags/", {{"name", "later " + std::to_string(i)}});
  auto events = all_events(port);
  REQUIRE(events.back()["position"].get<long long>() > std::stoll(position));

  auto later = http_verify(port, "?position=" + position + "&hash=" + hash);
  check_clean(later, events);
  auto cli = cli_verify(dir, db, {"--position", position, "--hash", hash});
  CHECK(cli.exit_code == 0);
  CHECK(cli.report == later);

  // A digest of any earlier position holds too.
  const auto& early = events[3];
  CHECK(http_verify(port, "?position=" + early["position"].dump() +
                              "&hash=" + early["hash"].get<std::string>())["ok"] == true);
}

TEST_CASE("a digest with a wrong hash or a position past the head does not verify") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  unsigned short port = server.port();
  make_history(port);
  auto events = all_events(port);
  const auto& head = events.back();
  long long head_position = head["position"].get<long long>();
  const auto& middle = events[events.size() / 2];
  long long middle_position = middle["position"].get<long long>();

  SECTION("a wrong hash at a real position") {
    std::string wrong = altered(middle["hash"].get<std::string>());
    std::string p = std::to_string(middle_position);
    check_fails_at(http_verify(port, "?position=" + p + "&hash=" + wrong), middle_position,
                   events.size(), head);
    check_cli_fails_at(cli_verify(dir, db, {"--position", p, "--hash", wrong}), middle_position);
  }
  SECTION("the hash of another position") {
    std::string p = std::to_string(middle_position);
    std::string other = head["hash"].get<std::string>();
    check_fails_at(http_verify(port, "?position=" + p + "&hash=" + other), middle_position,
                   events.size(), head);
    check_cli_fails_at(cli_verify(dir, db, {"--position", p, "--hash", other}), middle_position);
  }
  SECTION("a position past the head") {
    std::string p = std::to_string(head_position + 1);
    std::string h = head["hash"].get<std::string>();
    auto report = http_verify(port, "?position=" + p + "&hash=" + h);
    INFO(report.dump());
    CHECK(report["ok"] == false);
    CHECK(report["position"] == head_position + 1);
    CHECK(report["head_position"] == head_position);
    CHECK(report["head"] == head["hash"]);
    auto cli = cli_verify(dir, db, {"--position", p, "--hash", h});
    CHECK(cli.exit_code == 1);
    CHECK(cli.report == report);
  }
}

TEST_CASE("an event whose data was changed by hand is named by its position") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  make_history(server.port());
  auto events = all_events(server.port());
  auto target = middle_price_update(events);
  long long position = target["position"].get<long long>();
  REQUIRE(position < events.back()["position"].get<long long>());
  REQUIRE(server.stop() == 0);

  {
    Intruder intruder(db);
    // The log refuses UPDATE; someone with the file drops that guard first.
    intruder.db().exec("DROP TRIGGER events_append_only_update");
    catalog::db::Statement change(
        intruder.db(),
        "UPDATE events SET data = json_set(data, '$.price_shmeckles', ?1) WHERE position = ?2");
    change.bind(1, 0.01).bind(2, static_cast<int64_t>(position)).run();
    REQUIRE(intruder.db().changes() == 1);
  }

  auto cli = cli_verify(dir, db);
  check_cli_fails_at(cli, position);
  check_fails_at(cli.report, position, events.size(), events.back());
  check_restarted_server_agrees(server, cli.report);
}

TEST_CASE("a changed hash on the last event is named at the head") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  make_history(server.port());
  auto events = all_events(server.port());
  long long head = events.back()["position"].get<long long>();
  std::string forged = altered(events.back()["hash"].get<std::string>());
  REQUIRE(server.stop() == 0);

  {
    Intruder intruder(db);
    intruder.db().exec("DROP TRIGGER events_append_only_update");
    catalog::db::Statement change(intruder.db(), "UPDATE events SET hash = ?1 WHERE position = ?2");
    change.bind(1, forged).bind(2, static_cast<int64_t>(head)).run();
    REQUIRE(intruder.db().changes() == 1);
  }

  auto cli = cli_verify(dir, db);
  check_cli_fails_at(cli, head);
  auto forged_head = events.back();
  forged_head["hash"] = forged;
  check_fails_at(cli.report, head, events.size(), forged_head);
  check_restarted_server_agrees(server, cli.report);
}

TEST_CASE("an event deleted from the middle of the log is reported as the missing position") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  make_history(server.port());
  auto events = all_events(server.port());
  long long missing = middle_price_update(events)["position"].get<long long>();
  REQUIRE(server.stop() == 0);

  {
    Intruder intruder(db);
    intruder.db().exec("DROP TRIGGER events_append_only_delete");
    catalog::db::Statement remove(intruder.db(), "DELETE FROM events WHERE position = ?1");
    remove.bind(1, static_cast<int64_t>(missing)).run();
    REQUIRE(intruder.db().changes() == 1);
  }

  auto cli = cli_verify(dir, db);
  check_cli_fails_at(cli, missing);
  check_fails_at(cli.report, missing, events.size() - 1, events.back());
  CHECK(cli.report["problem"].get<std::string>().find(std::to_string(missing)) !=
        std::string::npos);
  check_restarted_server_agrees(server, cli.report);
}

TEST_CASE(
    "a read-model row changed by hand is named at its product's last event and replay "
    "repairs it") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  make_history(server.port());
  // The second product's last event is not the head of the log: later events belong to
  // others.
  auto product = http_get(server.port(), "/products/").json().at(1);
  std::string id = product["id"].dump();
  auto history = stream_events(server.port(), "product-" + id);
  long long last_of_product = history.back()["position"].get<long long>();
  auto events = all_events(server.port());
  REQUIRE(last_of_product < events.back()["position"].get<long long>());
  REQUIRE(server.stop() == 0);

  {
    Intruder intruder(db);
    catalog::db::Statement change(intruder.db(),
                                  "UPDATE products SET price_shmeckles = ?1 WHERE id = ?2");
    change.bind(1, 1e6).bind(2, product["id"].get<int64_t>()).run();
    REQUIRE(intruder.db().changes() == 1);
  }

  auto cli = cli_verify(dir, db);
  check_cli_fails_at(cli, last_of_product);
  check_fails_at(cli.report, last_of_product, events.size(), events.back());
  CHECK(cli.report["problem"].get<std::string>().find("products") != std::string::npos);
  server.restart();
  CHECK(http_verify(server.port()) == cli.report);
  REQUIRE(server.stop() == 0);

  Env env{{"DATABASE_URL", database_url(db)}};
  auto replay = run_catalog(dir.path(), {"replay"}, env);
  INFO("catalog replay: " << replay.exit_code << "\n" << replay.out << replay.err);
  REQUIRE(replay.exit_code == 0);
  auto repaired = cli_verify(dir, db);
  CHECK(repaired.exit_code == 0);
  check_clean(repaired.report, events);

  server.restart();
  check_clean(http_verify(server.port()), events);
  CHECK(http_get(server.port(), "/products/" + id).json() == product);
}

TEST_CASE("verify answers while writes continue and never holds them up") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  make_history(port);

  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::mutex mu;
  std::vector<std::string> failures;
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      try {
        auto r = http_post(port, "/tags/", {{"name", "during audit " + std::to_string(i)}});
        if (r.status != 201) {
          std::lock_guard lock(mu);
          failures.push_back(std::to_string(r.status) + " " + r.body);
        }
        ++written;
      } catch (const std::exception& ex) {
        std::lock_guard lock(mu);
        failures.push_back(ex.what());
        return;
      }
    }
  });
  // However the test ends, the writer stops and is joined before the server goes away.
  struct StopAndJoin {
    std::atomic<bool>& stop;
    std::thread& t;
    ~StopAndJoin() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } guard{stop, writer};

  // Wait until the writer is under way, then audit repeatedly while it writes.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (written < 5 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  int before = written;
  long long last_position = 0;
  int audits = 0;
  auto audit_until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (audits < 10 || std::chrono::steady_clock::now() < audit_until) {
    auto report = http_verify(port);
    INFO(report.dump());
    CHECK(report["ok"] == true);
    CHECK(report["events"] == report["position"]);
    CHECK(report["position"].get<long long>() >= last_position);
    last_position = report["position"].get<long long>();
    ++audits;
  }
  int during = written - before;
  stop = true;
  writer.join();

  CHECK(failures == std::vector<std::string>{});
  // Writes went on between the first and the last audit.
  CHECK(during > 0);
  CHECK(last_position > 0);
  check_clean(http_verify(port), all_events(port));
}
