// Proofs for auditors on a cluster (API.md "Proofs for auditors", "Running as a cluster on
// PostgreSQL"): every node serves the same key and, for the same tree_size, the same root;
// a proof fetched from one node verifies against a head signed by another; `catalog audit
// check` holds across nodes with one state file; a node without CATALOG_SIGNING_KEY_FILE
// signs nothing but still proves; and `catalog verify` holds on every node's read model.
//
// The proofs are checked by the tests' own RFC 9162 verifier (support/auditor.hpp), on
// OpenSSL's SHA-256 and Ed25519, so that nothing here trusts the service's src/merkle.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "support/auditor.hpp"
#include "support/cluster_nodes.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/temp_postgres.hpp"

using namespace catalog::testing;
using nlohmann::json;

namespace {

// ---------------------------------------------------------------------------------------------
// The cluster.

const std::string key_variable = "CATALOG_SIGNING_KEY_FILE";

// A fresh Ed25519 key made by `openssl genpkey`, PEM PKCS#8, readable by this process.
std::string make_key_file(const TempDir& dir) {
  std::string path = dir.file("signing-key.pem");
  std::string command = "openssl genpkey -algorithm ed25519 -out '" + path + "' 2>&1";
  REQUIRE(std::system(command.c_str()) == 0);
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return path;
}

Headers at_least(int64_t position) {
  return {{"Catalog-Min-Position", std::to_string(position)}};
}

// GET `target` from a node that has reached `position`; must answer 200.
json read_json(unsigned short port, const std::string& target, int64_t position = 0) {
  auto res = http_request(port, "GET", target, "", at_least(position));
  INFO("GET " << target << " (Catalog-Min-Position " << position << ") on port " << port << " -> "
              << res.status << " " << res.body);
  REQUIRE(res.status == 200);
  return res.json();
}

// A mutation that must succeed; returns the position it wrote.
int64_t write(unsigned short port, const std::string& method, const std::string& target,
              const json& body = nullptr) {
  auto res = http_request(port, method, target, body.is_null() ? "" : body.dump());
  INFO(method << " " << target << " " << body.dump() << " on port " << port << " -> " << res.status
              << " " << res.body);
  REQUIRE(res.status / 100 == 2);
  return std::stoll(res.header("catalog-position"));
}

std::vector<int> followers_of(const std::vector<std::unique_ptr<ClusterNode>>& nodes, int writer) {
  std::vector<int> out;
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
    if (i != writer) out.push_back(i);
  }
  return out;
}

// The leaf hashes of the log's first `count` events, from the events themselves.
std::vector<std::string> leaves_of(unsigned short port, int64_t count) {
  json events = read_json(port, "/events?limit=1000", count);
  REQUIRE(static_cast<int64_t>(events.size()) >= count);
  std::vector<std::string> leaves;
  for (int64_t i = 0; i < count; ++i) {
    REQUIRE(events[i]["position"] == i + 1);
    std::string input = from_hex(events[i]["hash"].get<std::string>());
    REQUIRE(input.size() == 32);
    leaves.push_back(leaf_hash(input));
  }
  return leaves;
}

std::string size_query(int64_t n) {
  return "/audit/tree-head?tree_size=" + std::to_string(n);
}

std::string inclusion_query(int64_t position, int64_t size) {
  return "/audit/proof/inclusion?position=" + std::to_string(position) +
         "&tree_size=" + std::to_string(size);
}

std::string consistency_query(int64_t first, int64_t second) {
  return "/audit/proof/consistency?first=" + std::to_string(first) +
         "&second=" + std::to_string(second);
}

std::string described(const std::vector<std::string>& args, const CommandResult& r) {
  std::string command = "catalog";
  for (const auto& a : args)
    command += " " + a;
  return command + ": exit " + std::to_string(r.exit_code) + "\nstdout: " + r.out +
         "\nstderr: " + r.err;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Checks that `port` answers 503 to `target` with a detail that names the key's variable.
void check_no_key_answer(unsigned short port, const std::string& target, int64_t position) {
  auto res = http_request(port, "GET", target, "", at_least(position));
  INFO("GET " << target << " -> " << res.status << " " << res.body);
  CHECK(res.status == 503);
  json body = json::parse(res.body, nullptr, false);
  REQUIRE(body.is_object());
  REQUIRE(body["detail"].is_string());
  CHECK(contains(body["detail"].get<std::string>(), key_variable));
}

}  // namespace

TEST_CASE("every node of a cluster with one key file serves the same key, heads and proofs",
          "[cluster-proofs]") {
  TempPostgres pg;
  TempDir dir;
  std::string key_file = make_key_file(dir);
  auto nodes = start_nodes(dir.path(), pg, 3, {{key_variable, key_file}});
  int writer_index = writer_of(nodes);
  REQUIRE(writer_index >= 0);
  auto f = followers_of(nodes, writer_index);
  auto& writer = *nodes[writer_index];
  auto& follower = *nodes[f[0]];
  auto& other = *nodes[f[1]];

  // Writes through the writer and through a follower, which forwards them.
  write(writer.port(), "POST", "/categories/", {{"name", "Гаджеты"}});
  write(writer.port(), "POST", "/categories/", {{"name", "Еда"}});
  write(writer.port(), "POST", "/tags/", {{"name", "Хит"}});
  write(follower.port(), "POST", "/tags/", {{"name", "Новинка"}});
  write(follower.port(), "POST", "/products/",
        {{"name", "Портальная пушка"},
         {"price_shmeckles", 250.5},
         {"price_flurbos", 180},
         {"category_id", 1},
         {"tag_ids", {1, 2}}});
  write(follower.port(), "PUT", "/products/1", {{"price_shmeckles", 199.99}});
  int64_t head = write(follower.port(), "DELETE", "/categories/2");
  REQUIRE(head == 7);

  std::vector<std::string> leaves = leaves_of(writer.port(), head);

  // One key everywhere, and it is the key of the file every node was given.
  json key = read_json(writer.port(), "/audit/key");
  CHECK(key["algorithm"] == "Ed25519");
  PublicKey pinned = read_public_key(key["public_key"].get<std::string>());
  CHECK(key["key_id"] == pinned.key_id);
  {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(key_file.c_str(), "r"), &BIO_free);
    REQUIRE(bio);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> secret(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
    REQUIRE(secret);
    CHECK(EVP_PKEY_eq(secret.get(), pinned.key.get()) == 1);
  }
  // The private key's base64 body: it never appears in an answer or a log.
  std::string secret_body;
  {
    std::ifstream in(key_file);
    for (std::string line; std::getline(in, line);)
      if (line.rfind("-----", 0) != 0) secret_body += line;
    REQUIRE(secret_body.size() > 20);
  }
  CHECK_FALSE(contains(key.dump(), secret_body));

  // Every node, once it has caught up, gives the same key and, size for size, the same root:
  // the root of the log's own events, signed by that key.
  for (auto& n : nodes) {
    INFO("node " << n->url());
    CHECK(read_json(n->port(), "/audit/key", head) == key);
    CHECK_FALSE(contains(n->process().log(), secret_body));
    json whole = read_json(n->port(), "/audit/tree-head", head);
    CHECK(whole["tree_size"] == head);
    CHECK(head_signed_by(pinned, whole));
    for (int64_t size = 1; size <= head; ++size) {
      INFO("tree_size " << size);
      json signed_head = read_json(n->port(), size_query(size), head);
      CHECK(signed_head["tree_size"] == size);
      CHECK(signed_head["root_hash"] == to_hex(mth(leaves, 0, static_cast<size_t>(size))));
      CHECK(head_signed_by(pinned, signed_head));
    }
  }

  // The writer signs the heads; the proofs come from a follower.
  json writer_head = read_json(writer.port(), size_query(head), head);
  REQUIRE(head_signed_by(pinned, writer_head));
  std::string root = from_hex(writer_head["root_hash"].get<std::string>());

  for (int64_t position = 1; position <= head; ++position) {
    INFO("inclusion of position " << position);
    json proof = read_json(follower.port(), inclusion_query(position, head), head);
    CHECK(proof["position"] == position);
    CHECK(proof["tree_size"] == head);
    CHECK(proof["leaf_hash"] == to_hex(leaves[position - 1]));
    auto path = hashes_of(proof["audit_path"]);
    CHECK(verify_inclusion(position - 1, head, leaves[position - 1], path, root));
    // The verifier is not one that says yes to anything.
    CHECK_FALSE(verify_inclusion(position % head, head, leaves[position - 1], path, root));
    if (!path.empty()) {
      path.back()[0] = static_cast<char>(path.back()[0] ^ 1);
      CHECK_FALSE(verify_inclusion(position - 1, head, leaves[position - 1], path, root));
    }
  }
  // tree_size defaults to the head.
  CHECK(read_json(follower.port(), "/audit/proof/inclusion?position=3", head) ==
        read_json(follower.port(), inclusion_query(3, head), head));

  for (int64_t first = 1; first <= head; ++first) {
    INFO("consistency of " << first << " with " << head);
    json earlier = read_json(writer.port(), size_query(first), head);
    REQUIRE(head_signed_by(pinned, earlier));
    std::string first_root = from_hex(earlier["root_hash"].get<std::string>());
    json proof = read_json(follower.port(), consistency_query(first, head), head);
    CHECK(proof["first"] == first);
    CHECK(proof["second"] == head);
    auto path = hashes_of(proof["consistency_path"]);
    if (first == head) CHECK(path.empty());
    CHECK(verify_consistency(first, head, first_root, root, path));
    if (!path.empty()) {
      path.front()[0] = static_cast<char>(path.front()[0] ^ 1);
      CHECK_FALSE(verify_consistency(first, head, first_root, root, path));
    }
  }
  // second defaults to the head.
  CHECK(read_json(follower.port(), "/audit/proof/consistency?first=2", head) ==
        read_json(follower.port(), consistency_query(2, head), head));

  // The auditor's client: first against a follower, then, with the same state file, against
  // another follower after more writes, and against the writer.
  const std::string state = dir.file("audit-state.json");
  {
    std::vector<std::string> args{"audit", "check", "--url", follower.url(), "--state", state};
    auto r = run_catalog(dir.path(), args, {});
    INFO(described(args, r));
    CHECK(r.exit_code == 0);
  }
  write(other.port(), "POST", "/tags/", {{"name", "Скидка"}});
  int64_t later = write(other.port(), "PUT", "/products/1", {{"price_flurbos", 150}});
  REQUIRE(later == head + 2);
  {
    std::vector<std::string> args{"audit", "check", "--url", other.url(), "--state", state};
    auto r = run_catalog(dir.path(), args, {});
    INFO(described(args, r));
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "consistent with the saved head of size " + std::to_string(head)));
  }
  {
    std::vector<std::string> args{"audit", "check", "--url", writer.url(), "--state", state};
    auto r = run_catalog(dir.path(), args, {});
    INFO(described(args, r));
    CHECK(r.exit_code == 0);
  }

  // The later head of each node proves consistent with the one the writer signed before.
  for (auto& n : nodes) {
    INFO("node " << n->url());
    json now = read_json(n->port(), size_query(later), later);
    CHECK(head_signed_by(pinned, now));
    json proof = read_json(n->port(), consistency_query(head, later), later);
    CHECK(verify_consistency(static_cast<uint64_t>(head), static_cast<uint64_t>(later), root,
                             from_hex(now["root_hash"].get<std::string>()),
                             hashes_of(proof["consistency_path"])));
  }
}

TEST_CASE("a cluster node without CATALOG_SIGNING_KEY_FILE signs no head but still proves",
          "[cluster-proofs]") {
  TempPostgres pg;
  TempDir dir;
  std::string key_file = make_key_file(dir);
  ClusterNode keyed(dir.path(), pg, "keyed", {{key_variable, key_file}});
  ClusterNode keyless(dir.path(), pg, "keyless");
  REQUIRE(eventually([&] {
    return cluster_of(keyed.port())["nodes"].size() == 2 &&
           cluster_of(keyless.port())["nodes"].size() == 2;
  }));

  write(keyless.port(), "POST", "/categories/", {{"name", "Гаджеты"}});
  write(keyed.port(), "POST", "/tags/", {{"name", "Хит"}});
  int64_t head = write(keyless.port(), "POST", "/tags/", {{"name", "Новинка"}});
  REQUIRE(head == 3);

  check_no_key_answer(keyless.port(), "/audit/key", head);
  check_no_key_answer(keyless.port(), "/audit/tree-head", head);
  check_no_key_answer(keyless.port(), size_query(1), head);

  // Everything else answers, and its proofs verify against the head the other node signs.
  PublicKey pinned =
      read_public_key(read_json(keyed.port(), "/audit/key")["public_key"].get<std::string>());
  json signed_head = read_json(keyed.port(), size_query(head), head);
  REQUIRE(head_signed_by(pinned, signed_head));
  std::string root = from_hex(signed_head["root_hash"].get<std::string>());
  std::vector<std::string> leaves = leaves_of(keyless.port(), head);
  CHECK(root == mth(leaves, 0, leaves.size()));
  for (int64_t position = 1; position <= head; ++position) {
    INFO("inclusion of position " << position);
    json proof = read_json(keyless.port(), inclusion_query(position, head), head);
    CHECK(proof["leaf_hash"] == to_hex(leaves[position - 1]));
    CHECK(verify_inclusion(position - 1, head, leaves[position - 1], hashes_of(proof["audit_path"]),
                           root));
  }
  json earlier = read_json(keyed.port(), size_query(1), head);
  REQUIRE(head_signed_by(pinned, earlier));
  json proof = read_json(keyless.port(), consistency_query(1, head), head);
  CHECK(verify_consistency(1, static_cast<uint64_t>(head),
                           from_hex(earlier["root_hash"].get<std::string>()), root,
                           hashes_of(proof["consistency_path"])));
  CHECK(read_json(keyless.port(), "/audit/verify", head)["ok"] == true);
  CHECK(http_get(keyless.port(), "/health").status == 200);
}

TEST_CASE("catalog verify holds on every node's read model of a cluster after writes",
          "[cluster-proofs]") {
  TempPostgres pg;
  TempDir dir;
  std::string key_file = make_key_file(dir);
  auto nodes = start_nodes(dir.path(), pg, 2, {{key_variable, key_file}});
  int writer_index = writer_of(nodes);
  REQUIRE(writer_index >= 0);
  auto& writer = *nodes[writer_index];
  auto& follower = *nodes[1 - writer_index];

  write(writer.port(), "POST", "/categories/", {{"name", "Гаджеты"}});
  write(follower.port(), "POST", "/tags/", {{"name", "Хит"}});
  write(follower.port(), "POST", "/products/",
        {{"name", "Плюмбус"}, {"price_shmeckles", 12}, {"price_flurbos", 8.5}, {"category_id", 1}});
  write(writer.port(), "PUT", "/products/1", {{"tag_ids", {1}}});
  int64_t head = write(follower.port(), "DELETE", "/products/1");
  REQUIRE(head == 5);

  for (auto& n : nodes) {
    INFO("node " << n->url());
    REQUIRE(eventually([&] { return cluster_of(n->port())["position"] == head; }));
    const Env env{{"DATABASE_URL", pg.url()}, {"CATALOG_READ_MODEL", n->dir() + "/read.db"}};
    auto r = run_catalog(dir.path(), {"verify"}, env);
    INFO(described({"verify"}, r));
    CHECK(r.exit_code == 0);
    json report = json::parse(r.out, nullptr, false);
    REQUIRE(report.is_object());
    CHECK(report["ok"] == true);
    CHECK(report["events"] == head);
    CHECK(report == read_json(n->port(), "/audit/verify", head));
  }
}
