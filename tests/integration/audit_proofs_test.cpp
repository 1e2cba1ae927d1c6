// Proofs for auditors (API.md): the signing key and where it comes from, signed tree heads,
// inclusion and consistency proofs checked by the tests' own verifier, written from RFC 9162
// alone (support/auditor.hpp), the 422s of the proof routes, `catalog audit check` holding a
// service to what it signed, and `catalog verify` / GET /audit/verify finding a Merkle tree changed
// behind the service's back. Nothing here calls the service's own Merkle code: every hash is
// recomputed.
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "db/sqlite.hpp"
#include "merkle/sqlite_tree.hpp"
#include "support/auditor.hpp"
#include "support/http_client.hpp"
#include "support/launched_catalog.hpp"
#include "support/log_fixtures.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------
// Hashes, checked by the tests' own RFC 9162 verifier (support/auditor.hpp). Hashes are 32 raw
// bytes in a std::string.

// 64 lowercase hex digits as 32 bytes; a test failure for anything else.
std::string hash_of(const json& value) {
  INFO("hash: " << value.dump());
  REQUIRE(value.is_string());
  std::string hex = value.get<std::string>();
  REQUIRE(is_hash_hex(hex));
  return from_hex(hex);
}

// ---------------------------------------------------------------------------------------
// Private keys, made and read with OpenSSL (their key_id and signatures are checked by
// support/auditor.hpp).

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

PKey generate_key(int type) {
  EVP_PKEY* key = nullptr;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_id(type, nullptr), &EVP_PKEY_CTX_free);
  REQUIRE(ctx);
  REQUIRE(EVP_PKEY_keygen_init(ctx.get()) == 1);
  REQUIRE(EVP_PKEY_keygen(ctx.get(), &key) == 1);
  return PKey(key, &EVP_PKEY_free);
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// PEM PKCS#8 ("BEGIN PRIVATE KEY"), as `openssl genpkey` writes it.
std::string private_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()), &BIO_free);
  REQUIRE(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  return bio_text(bio.get());
}

PKey read_private_pem(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  PKey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  REQUIRE(key);
  return key;
}

std::string raw_private_key(EVP_PKEY* key) {
  unsigned char raw[64];
  std::size_t len = sizeof raw;
  REQUIRE(EVP_PKEY_get_raw_private_key(key, raw, &len) == 1);
  return std::string(reinterpret_cast<const char*>(raw), len);
}

std::string encode_base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

void write_file(const std::string& path, const std::string& text, mode_t mode = 0600) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
}

// A new Ed25519 key in a PEM PKCS#8 file of mode 0600; returns its key_id.
std::string write_new_key(const std::string& path) {
  auto key = generate_key(EVP_PKEY_ED25519);
  write_file(path, private_pem(key.get()));
  return key_id_of(key.get());
}

// Everything of a private key that must never be shown: the PEM's body, the raw key in hex
// and base64.
std::vector<std::string> secrets_of(const std::string& pem) {
  std::vector<std::string> out;
  for (const auto& line : lines_of(pem)) {
    if (!contains(line, "-----")) out.push_back(line);
  }
  REQUIRE(!out.empty());
  auto key = read_private_pem(pem);
  std::string raw = raw_private_key(key.get());
  out.push_back(to_hex(raw));
  out.push_back(encode_base64(raw));
  out.push_back("PRIVATE KEY");
  return out;
}

void check_no_secret(const std::string& where, const std::string& text,
                     const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    INFO(where << " must not show " << s);
    CHECK_FALSE(contains(text, s));
  }
}

// ---------------------------------------------------------------------------------------
// The service.

json get_json(unsigned short port, const std::string& target) {
  auto res = http_get(port, target);
  INFO("GET " << target << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 200);
  CHECK(res.header("content-type") == "application/json; charset=utf-8");
  return res.json();
}

json created(unsigned short port, const std::string& collection, const json& body) {
  auto res = http_post(port, collection, body);
  INFO(collection << " " << body.dump() << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 201);
  return res.json();
}

std::string path_of(const std::string& collection, const json& entity) {
  return collection + std::to_string(entity["id"].get<long long>());
}

void add_tags(unsigned short port, const std::string& prefix, int count) {
  for (int i = 0; i < count; ++i)
    created(port, "/tags/", {{"name", prefix + " " + std::to_string(i)}});
}

json all_events(unsigned short port) {
  json all = json::array();
  for (;;) {
    long long after = all.empty() ? 0 : all.back()["position"].get<long long>();
    auto page = get_json(port, "/events?limit=1000&after=" + std::to_string(after));
    if (page.empty()) return all;
    for (auto& e : page)
      all.push_back(std::move(e));
  }
}

// The leaf hashes of the log, leaf i being the event at position i + 1.
std::vector<std::string> leaves_of(const json& events) {
  std::vector<std::string> leaves;
  for (std::size_t i = 0; i < events.size(); ++i) {
    REQUIRE(events[i]["position"] == i + 1);
    leaves.push_back(leaf_hash(hash_of(events[i]["hash"])));
  }
  return leaves;
}

json audit_key(unsigned short port) {
  auto key = get_json(port, "/audit/key");
  INFO(key.dump());
  CHECK(key.size() == 3);
  CHECK(key["algorithm"] == "Ed25519");
  REQUIRE(key["public_key"].is_string());
  REQUIRE(key["key_id"].is_string());
  CHECK(is_hash_hex(key["key_id"].get<std::string>()));
  // The key_id is what the auditor computes from the public key, not just what it is told.
  auto public_key = read_public_key(key["public_key"].get<std::string>());
  CHECK(EVP_PKEY_get_base_id(public_key.key.get()) == EVP_PKEY_ED25519);
  CHECK(public_key.key_id == key["key_id"]);
  return key;
}

// A signed tree head whose shape holds and whose signature verifies with `key` (an answer of
// /audit/key).
json signed_head(unsigned short port, const json& key, const std::string& query = "") {
  auto head = get_json(port, "/audit/tree-head" + query);
  INFO("GET /audit/tree-head" << query << " -> " << head.dump());
  CHECK(head.size() == 5);
  REQUIRE(head["tree_size"].is_number_integer());
  REQUIRE(head["root_hash"].is_string());
  REQUIRE(head["timestamp"].is_string());
  REQUIRE(head["signature"].is_string());
  CHECK(is_hash_hex(head["root_hash"].get<std::string>()));
  CHECK(is_head_timestamp(head["timestamp"].get<std::string>()));
  CHECK(head["key_id"] == key["key_id"]);
  auto signature = decode_base64(head["signature"].get<std::string>());
  REQUIRE(signature);
  CHECK(signature->size() == 64);
  std::string message =
      tree_head_message(head["tree_size"].get<int64_t>(), head["root_hash"].get<std::string>(),
                        head["timestamp"].get<std::string>());
  auto public_key = read_public_key(key["public_key"].get<std::string>());
  CHECK(ed25519_verifies(public_key, message, *signature));
  // The verifier is not one that says yes to everything.
  CHECK_FALSE(ed25519_verifies(public_key, message + "\n", *signature));
  return head;
}

// A 422 whose detail is a FastAPI-shaped list of errors in the query (at `name`, when given).
void check_query_422(unsigned short port, const std::string& target, const std::string& name) {
  auto res = http_get(port, target);
  INFO("GET " << target << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 422);
  auto body = res.json();
  REQUIRE(body["detail"].is_array());
  REQUIRE(!body["detail"].empty());
  bool named = name.empty();
  for (const auto& error : body["detail"]) {
    REQUIRE(error["loc"].is_array());
    REQUIRE(!error["loc"].empty());
    CHECK(error["loc"][0] == "query");
    CHECK(error["msg"].is_string());
    CHECK(error["type"].is_string());
    if (error["loc"].size() == 2 && error["loc"][1] == name) named = true;
  }
  CHECK(named);
}

// `catalog audit check` against the server on `port`.
CommandResult audit_check(const TempDir& dir, unsigned short port, const std::string& state,
                          const std::vector<std::string>& more = {}) {
  std::vector<std::string> args{
      "audit", "check", "--url", "http://127.0.0.1:" + std::to_string(port), "--state", state};
  args.insert(args.end(), more.begin(), more.end());
  return run_catalog(dir.path(), args, {});
}

void check_audit_passes(const CommandResult& r) {
  INFO("audit check: exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "audit check: OK"));
  CHECK_FALSE(contains(r.err, "FAILED"));
}

// Exit 1, and the one failure line names what failed (each of `parts`).
void check_audit_fails(const CommandResult& r, const std::vector<std::string>& parts) {
  INFO("audit check: exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 1);
  CHECK_FALSE(contains(r.out, "OK"));
  std::vector<std::string> failures;
  for (const auto& line : lines_of(r.err)) {
    if (contains(line, "FAILED")) failures.push_back(line);
  }
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].rfind("audit check: FAILED: ", 0) == 0);
  for (const auto& part : parts) {
    INFO("the failure should say: " << part);
    CHECK(contains(failures[0], part));
  }
}

json state_of(const std::string& path) {
  std::string text = read_text(path);
  INFO(path << ": " << text);
  REQUIRE(!text.empty());
  return json::parse(text);
}

// Copies a stopped node's SQLite file (and its WAL, if one was left) over another's.
void copy_database(const std::string& from, const std::string& to) {
  for (const char* suffix : {"-wal", "-shm", "-journal"})
    fs::remove(to + suffix);
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  if (fs::exists(from + "-wal"))
    fs::copy_file(from + "-wal", to + "-wal", fs::copy_options::overwrite_existing);
}

// Someone with the disk: the database file opened directly.
class Intruder {
 public:
  explicit Intruder(const std::string& path) : db_(path, catalog::db::OpenMode::read_write) {}
  catalog::db::Connection& db() { return db_; }

 private:
  catalog::db::Connection db_;
};

// A port where nothing listens (bound, then released).
unsigned short closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// The errors of a start-up that failed: stderr without the start-up log's lines.
std::vector<std::string> error_lines(const std::string& err) {
  static const std::regex logged(R"(^\[\d{4}-\d{2}-\d{2} [0-9:.]+\] \[(info|debug|trace)\] )");
  std::vector<std::string> out;
  for (const auto& line : lines_of(err)) {
    if (!std::regex_search(line, logged)) out.push_back(line);
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// 1. The key.

TEST_CASE("on a single SQLite node the key is created beside the database, 0600, and kept",
          "[proofs]") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  std::string key_file = db + ".signing-key.pem";
  REQUIRE_FALSE(fs::exists(key_file));
  ServerProcess server(dir.path(), db);

  REQUIRE(fs::exists(key_file));
  struct stat st {};
  REQUIRE(::stat(key_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  std::string pem = read_text(key_file);
  CHECK(pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);
  auto private_key = read_private_pem(pem);
  CHECK(EVP_PKEY_get_base_id(private_key.get()) == EVP_PKEY_ED25519);

  auto key = audit_key(server.port());
  CHECK(key["key_id"] == key_id_of(private_key.get()));
  add_tags(server.port(), "тег", 3);
  signed_head(server.port(), key);

  // A restart reads the same key and leaves the file as it was.
  server.restart();
  CHECK(audit_key(server.port()) == key);
  CHECK(read_text(key_file) == pem);
  REQUIRE(::stat(key_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  auto head = signed_head(server.port(), key);
  CHECK(head["tree_size"] == 3);

  // The private key is in no answer and no log.
  auto secrets = secrets_of(pem);
  for (const std::string target :
       {"/audit/key", "/audit/tree-head", "/audit/tree-head?tree_size=1", "/audit/verify",
        "/audit/proof/inclusion?position=1", "/audit/proof/consistency?first=1", "/health",
        "/events", "/openapi.json", "/metrics", "/audit/tree-head?tree_size=abc"}) {
    auto res = http_get(server.port(), target);
    check_no_secret("GET " + target, res.body, secrets);
    for (const auto& [name, value] : res.headers)
      check_no_secret("GET " + target + " header " + name, value, secrets);
  }
  REQUIRE(server.stop() == 0);
  check_no_secret("the server's log", server.log(), secrets);
  auto verify = run_catalog(dir.path(), {"verify"}, {{"DATABASE_URL", database_url(db)}});
  check_no_secret("catalog verify", verify.out + verify.err, secrets);
}

TEST_CASE("CATALOG_SIGNING_KEY_FILE is the key that signs, and no other is made", "[proofs]") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  std::string key_file = dir.file("operator-key.pem");
  std::string key_id = write_new_key(key_file);
  std::string pem = read_text(key_file);
  ServerProcess server(dir.path(), db, {{"CATALOG_SIGNING_KEY_FILE", key_file}});

  auto key = audit_key(server.port());
  CHECK(key["key_id"] == key_id);
  add_tags(server.port(), "тег", 2);
  auto head = signed_head(server.port(), key);
  CHECK(head["key_id"] == key_id);
  CHECK_FALSE(fs::exists(db + ".signing-key.pem"));
  CHECK(read_text(key_file) == pem);

  // The same key after a restart.
  server.restart();
  CHECK(audit_key(server.port()) == key);

  auto secrets = secrets_of(pem);
  for (const std::string target : {"/audit/key", "/audit/tree-head", "/openapi.json"})
    check_no_secret("GET " + target, http_get(server.port(), target).body, secrets);
  REQUIRE(server.stop() == 0);
  check_no_secret("the server's log", server.log(), secrets);
}

TEST_CASE("a key file that is no Ed25519 PEM PKCS#8 key, or is missing, stops the server",
          "[proofs]") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  std::string key_file = dir.file("key-file.pem");
  std::string content;
  std::string why;

  SECTION("a text that is not a key") {
    content = "SECRET-NOT-A-KEY 7f3a9c\nsecond line of the secret\n";
    write_file(key_file, content);
    why = "is not a PEM PKCS#8 private key";
  }
  SECTION("a PEM whose body is not a key") {
    content =
        "-----BEGIN PRIVATE KEY-----\nU0VDUkVULU5PVC1BLUtFWS1TRUNSRVQtTk9ULUEtS0VZ\n"
        "-----END PRIVATE KEY-----\n";
    write_file(key_file, content);
    why = "is not a PEM PKCS#8 private key";
  }
  SECTION("a public key") {
    auto key = generate_key(EVP_PKEY_ED25519);
    Bio bio(BIO_new(BIO_s_mem()), &BIO_free);
    REQUIRE(PEM_write_bio_PUBKEY(bio.get(), key.get()) == 1);
    content = bio_text(bio.get());
    write_file(key_file, content);
    why = "is not a PEM PKCS#8 private key";
  }
  SECTION("a PKCS#8 key of another algorithm (X25519)") {
    auto key = generate_key(EVP_PKEY_X25519);
    content = private_pem(key.get());
    write_file(key_file, content);
    why = "Ed25519";
  }
  SECTION("an empty file") {
    write_file(key_file, "");
    why = "is not a PEM PKCS#8 private key";
  }
  SECTION("no file at all") {
    why = "";
  }

  LaunchedCatalog serve(
      dir.path(), {"serve"},
      {{"DATABASE_URL", database_url(db)}, {"PORT", "0"}, {"CATALOG_SIGNING_KEY_FILE", key_file}});
  int code = serve.wait_exit();
  std::string out = serve.out(), err = serve.err();
  INFO("exit " << code << "\nstdout: " << out << "\nstderr: " << err);
  CHECK(code == 1);
  CHECK_FALSE(contains(out + err, "listening"));
  auto errors = error_lines(err);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].rfind("catalog: ", 0) == 0);
  CHECK(contains(errors[0], key_file));
  if (!why.empty()) CHECK(contains(errors[0], why));
  // No part of the file is shown.
  for (const auto& line : lines_of(content)) {
    if (contains(line, "-----")) continue;
    INFO("shown: " << line);
    CHECK_FALSE(contains(out + err, line));
  }
  // A refused key is not replaced by a new one, and the database is left as it was.
  CHECK_FALSE(fs::exists(db + ".signing-key.pem"));
  CHECK_FALSE(fs::exists(db));
}

// ---------------------------------------------------------------------------------------
// 2. Heads and proofs, checked from the hashes alone.

TEST_CASE("every head, inclusion and consistency proof verifies from the events alone",
          "[proofs]") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  auto key = audit_key(port);

  // Writes of every kind, a signed head taken after each: it covers the write at once.
  std::vector<json> heads;
  auto after_write = [&] {
    heads.push_back(signed_head(port, key));
    CHECK(heads.back()["tree_size"] == heads.size());
  };
  auto gadgets = created(port, "/categories/", {{"name", "Гаджеты"}});
  after_write();
  auto hit = created(port, "/tags/", {{"name", "Хит"}});
  after_write();
  std::vector<json> products;
  for (int i = 0; i < 6; ++i) {
    products.push_back(created(port, "/products/",
                               {{"name", "Товар " + std::to_string(i)},
                                {"price_shmeckles", 10.5 + i},
                                {"price_flurbos", 2.0 * i},
                                {"category_id", gadgets["id"]},
                                {"tag_ids", json::array({hit["id"]})}}));
    after_write();
  }
  for (int round = 1; round <= 2; ++round) {
    for (const auto& p : products) {
      REQUIRE(
          http_put(port, path_of("/products/", p), {{"price_shmeckles", 100.0 * round}}).status ==
          200);
      after_write();
    }
  }
  REQUIRE(http_put(port, path_of("/tags/", hit), {{"name", "Хит продаж"}}).status == 200);
  after_write();
  REQUIRE(http_delete(port, path_of("/products/", products[5])).status == 204);
  after_write();
  for (int i = 0; i < 6; ++i) {
    created(port, "/tags/", {{"name", "тег " + std::to_string(i)}});
    after_write();
  }

  auto events = all_events(port);
  const uint64_t n = events.size();
  REQUIRE(n == heads.size());
  REQUIRE(n == 28);
  auto leaves = leaves_of(events);

  // Each head's root is the Merkle root of the log at its size.
  for (const auto& head : heads) {
    uint64_t size = head["tree_size"].get<uint64_t>();
    INFO("head " << head.dump());
    CHECK(hash_of(head["root_hash"]) == mth(leaves, 0, size));
  }

  // The head of a size the log once had is the head taken then, signed now.
  auto current = signed_head(port, key);
  CHECK(current["tree_size"] == n);
  CHECK(current["root_hash"] == heads.back()["root_hash"]);
  for (const auto& earlier : heads) {
    std::string size = earlier["tree_size"].dump();
    auto again = signed_head(port, key, "?tree_size=" + size);
    INFO("earlier " << earlier.dump() << "\nnow " << again.dump());
    CHECK(again["tree_size"] == earlier["tree_size"]);
    CHECK(again["root_hash"] == earlier["root_hash"]);
    CHECK(again["timestamp"].get<std::string>() >= earlier["timestamp"].get<std::string>());
  }

  const std::vector<uint64_t> sizes{1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 15, 16, 17, 24, 27, 28};
  for (uint64_t size : sizes) {
    std::string root = mth(leaves, 0, size);
    // Every event is in the tree of every size that covers it.
    for (uint64_t position = 1; position <= size; ++position) {
      std::string target = "/audit/proof/inclusion?position=" + std::to_string(position) +
                           "&tree_size=" + std::to_string(size);
      auto proof = get_json(port, target);
      INFO("GET " << target << " -> " << proof.dump());
      CHECK(proof.size() == 4);
      CHECK(proof["position"] == position);
      CHECK(proof["tree_size"] == size);
      CHECK(hash_of(proof["leaf_hash"]) == leaves[position - 1]);
      auto path = hashes_of(proof["audit_path"]);
      CHECK(verify_inclusion(position - 1, size, leaves[position - 1], path, root));
      // Nor does this verifier accept a proof for another leaf or another root.
      if (size > 1) {
        CHECK_FALSE(verify_inclusion(position - 1, size, leaves[position % size], path, root));
        CHECK_FALSE(verify_inclusion(position - 1, size, leaves[position - 1], path,
                                     mth(leaves, 0, size - 1)));
      }
    }
    // Every earlier tree is a prefix of this one.
    for (uint64_t first = 1; first <= size; ++first) {
      std::string target = "/audit/proof/consistency?first=" + std::to_string(first) +
                           "&second=" + std::to_string(size);
      auto proof = get_json(port, target);
      INFO("GET " << target << " -> " << proof.dump());
      CHECK(proof.size() == 3);
      CHECK(proof["first"] == first);
      CHECK(proof["second"] == size);
      auto path = hashes_of(proof["consistency_path"]);
      std::string first_root = mth(leaves, 0, first);
      CHECK(verify_consistency(first, size, first_root, root, path));
      if (first == size) CHECK(path.empty());
      if (first < size) {
        // A root of another first tree (a rewritten prefix) does not prove.
        std::string forged = first_root;
        forged[0] = static_cast<char>(forged[0] ^ 1);
        CHECK_FALSE(verify_consistency(first, size, forged, root, path));
      }
    }
  }

  // tree_size and second default to the head.
  for (uint64_t position : {uint64_t{1}, uint64_t{13}, n}) {
    auto implicit = get_json(port, "/audit/proof/inclusion?position=" + std::to_string(position));
    auto explicit_size =
        get_json(port, "/audit/proof/inclusion?position=" + std::to_string(position) +
                           "&tree_size=" + std::to_string(n));
    CHECK(implicit == explicit_size);
    CHECK(implicit["tree_size"] == n);
  }
  for (uint64_t first : {uint64_t{1}, uint64_t{7}, n}) {
    auto implicit = get_json(port, "/audit/proof/consistency?first=" + std::to_string(first));
    auto explicit_size = get_json(port, "/audit/proof/consistency?first=" + std::to_string(first) +
                                            "&second=" + std::to_string(n));
    CHECK(implicit == explicit_size);
    CHECK(implicit["second"] == n);
  }

  // Proofs answered after more writes still prove the heads kept earlier.
  add_tags(port, "позже", 5);
  auto later = signed_head(port, key);
  REQUIRE(later["tree_size"] == n + 5);
  auto grown = leaves_of(all_events(port));
  CHECK(hash_of(later["root_hash"]) == mth(grown, 0, n + 5));
  for (const auto& earlier : heads) {
    uint64_t first = earlier["tree_size"].get<uint64_t>();
    auto proof = get_json(port, "/audit/proof/consistency?first=" + std::to_string(first));
    INFO("from " << earlier.dump() << " to " << later.dump() << ": " << proof.dump());
    CHECK(verify_consistency(first, n + 5, hash_of(earlier["root_hash"]),
                             hash_of(later["root_hash"]), hashes_of(proof["consistency_path"])));
  }
}

TEST_CASE("the head covers every acknowledged write, also across a restart", "[proofs]") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  auto key = audit_key(server.port());
  add_tags(server.port(), "до", 9);
  auto before = signed_head(server.port(), key);
  CHECK(before["tree_size"] == 9);
  server.restart();
  auto after = signed_head(server.port(), key);
  CHECK(after["tree_size"] == 9);
  CHECK(after["root_hash"] == before["root_hash"]);
  add_tags(server.port(), "после", 3);
  auto events = all_events(server.port());
  auto grown = signed_head(server.port(), key);
  CHECK(grown["tree_size"] == 12);
  CHECK(hash_of(grown["root_hash"]) == mth(leaves_of(events), 0, 12));
  auto proof = get_json(server.port(), "/audit/proof/consistency?first=9");
  CHECK(verify_consistency(9, 12, hash_of(before["root_hash"]), hash_of(grown["root_hash"]),
                           hashes_of(proof["consistency_path"])));
}

TEST_CASE("on an empty log the head is the signed head of the empty tree", "[proofs]") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  auto key = audit_key(port);
  // RFC 9162: the root of no leaves is SHA-256 of nothing. An auditor pins the key and a
  // first head before anything is written (?tree_size=0 stays a 422: M is from 1 to N).
  auto empty = signed_head(port, key);
  CHECK(empty["tree_size"] == 0);
  CHECK(hash_of(empty["root_hash"]) == sha256(""));
  std::string state = dir.file("audit-state.json");
  auto first = audit_check(dir, port, state);
  check_audit_passes(first);
  CHECK(contains(first.out, "pinned"));
  CHECK(state_of(state)["head"]["tree_size"] == 0);
  CHECK(state_of(state)["key_id"] == key["key_id"]);

  add_tags(port, "первый", 3);
  auto head = signed_head(port, key);
  CHECK(head["tree_size"] == 3);
  CHECK(hash_of(head["root_hash"]) == mth(leaves_of(all_events(port)), 0, 3));
  check_audit_passes(audit_check(dir, port, state));
  CHECK(state_of(state)["head"]["tree_size"] == 3);
}

TEST_CASE("heads and proofs taken while writes go on all verify", "[proofs]") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  auto key = audit_key(port);
  add_tags(port, "начало", 3);

  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::mutex mu;
  std::vector<std::string> failures;
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      try {
        auto r = http_post(port, "/tags/", {{"name", "во время " + std::to_string(i)}});
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
  struct StopAndJoin {
    std::atomic<bool>& stop;
    std::thread& t;
    ~StopAndJoin() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } guard{stop, writer};

  json previous = signed_head(port, key);
  int rounds = 0, grew = 0;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (rounds < 20 || std::chrono::steady_clock::now() < until) {
    auto head = signed_head(port, key);
    uint64_t m = previous["tree_size"].get<uint64_t>(), n = head["tree_size"].get<uint64_t>();
    INFO("from " << previous.dump() << " to " << head.dump());
    REQUIRE(n >= m);
    if (n > m) ++grew;
    auto consistency = get_json(port, "/audit/proof/consistency?first=" + std::to_string(m) +
                                          "&second=" + std::to_string(n));
    CHECK(verify_consistency(m, n, hash_of(previous["root_hash"]), hash_of(head["root_hash"]),
                             hashes_of(consistency["consistency_path"])));
    uint64_t position = 1 + (static_cast<uint64_t>(rounds) * 7) % n;
    auto event = get_json(port, "/events?limit=1&after=" + std::to_string(position - 1));
    REQUIRE(event.size() == 1);
    auto inclusion = get_json(port, "/audit/proof/inclusion?position=" + std::to_string(position) +
                                        "&tree_size=" + std::to_string(n));
    CHECK(verify_inclusion(position - 1, n, leaf_hash(hash_of(event[0]["hash"])),
                           hashes_of(inclusion["audit_path"]), hash_of(head["root_hash"])));
    previous = head;
    ++rounds;
  }
  stop = true;
  writer.join();
  {
    std::lock_guard lock(mu);
    CHECK(failures == std::vector<std::string>{});
  }
  CHECK(grew > 0);
  auto events = all_events(port);
  auto last = signed_head(port, key);
  CHECK(last["tree_size"] == events.size());
  CHECK(hash_of(last["root_hash"]) == mth(leaves_of(events), 0, events.size()));
  check_audit_passes(audit_check(dir, port, dir.file("audit-state.json")));
}

TEST_CASE("a long log: audit check pages through it, and a tree rebuilt by migrate is the same",
          "[proofs]") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  Env env{{"DATABASE_URL", database_url(db)}};
  ServerProcess server(dir.path(), db);
  add_tags(server.port(), "тег", 3);
  REQUIRE(server.stop() == 0);
  append_tag_events(db, 1000, 2500);
  server.restart();
  unsigned short port = server.port();
  auto key = audit_key(port);
  auto head = signed_head(port, key);
  REQUIRE(head["tree_size"] == 2503);
  auto leaves = leaves_of(all_events(port));
  std::string root = mth(leaves, 0, 2503);
  CHECK(hash_of(head["root_hash"]) == root);
  for (uint64_t position : {1, 2, 1000, 1001, 1024, 1025, 2048, 2049, 2502, 2503}) {
    auto proof = get_json(port, "/audit/proof/inclusion?position=" + std::to_string(position));
    INFO("position " << position << ": " << proof.dump());
    CHECK(verify_inclusion(position - 1, 2503, leaves[position - 1], hashes_of(proof["audit_path"]),
                           root));
  }
  for (uint64_t first : {1, 3, 1000, 1024, 2047, 2048, 2502}) {
    auto proof = get_json(port, "/audit/proof/consistency?first=" + std::to_string(first));
    INFO("first " << first << ": " << proof.dump());
    CHECK(verify_consistency(first, 2503, mth(leaves, 0, first), root,
                             hashes_of(proof["consistency_path"])));
  }
  std::string state = dir.file("audit-state.json");
  auto audited = audit_check(dir, port, state);
  check_audit_passes(audited);
  CHECK(contains(audited.out, "2503 events"));
  REQUIRE(server.stop() == 0);

  // Revision 0011 undone (the tree dropped) and done again: the tree is built from the log,
  // and it is the same tree.
  auto down = run_catalog(dir.path(), {"migrate", "downgrade", "0010"}, env);
  INFO("downgrade: " << down.exit_code << "\n" << down.out << down.err);
  REQUIRE(down.exit_code == 0);
  auto up = run_catalog(dir.path(), {"migrate", "upgrade"}, env);
  INFO("upgrade: " << up.exit_code << "\n" << up.out << up.err);
  REQUIRE(up.exit_code == 0);
  server.restart();
  port = server.port();
  auto rebuilt = signed_head(port, key);
  CHECK(rebuilt["tree_size"] == 2503);
  CHECK(rebuilt["root_hash"] == head["root_hash"]);
  CHECK(get_json(port, "/audit/verify")["ok"] == true);
  add_tags(port, "после", 2);
  auto again = audit_check(dir, port, state);
  check_audit_passes(again);
  CHECK(contains(again.out, "consistent with the saved head of size 2503"));
}

// ---------------------------------------------------------------------------------------
// 3. Bad parameters.

TEST_CASE("every bad parameter of the proof routes is a 422 in the query", "[proofs]") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();

  SECTION("on an empty log there is nothing to prove") {
    check_query_422(port, "/audit/tree-head?tree_size=1", "tree_size");
    check_query_422(port, "/audit/tree-head?tree_size=0", "tree_size");
    check_query_422(port, "/audit/proof/inclusion?position=1", "position");
    check_query_422(port, "/audit/proof/inclusion?position=1&tree_size=1", "tree_size");
    check_query_422(port, "/audit/proof/consistency?first=1", "first");
    check_query_422(port, "/audit/proof/consistency?first=1&second=1", "second");
  }

  SECTION("on a log of 5 events") {
    add_tags(port, "тег", 5);
    for (const std::string bad : {"abc", "1.5", "", "0", "-1", "6", "1e1", "0x1"}) {
      INFO("bad value: '" << bad << "'");
      check_query_422(port, "/audit/tree-head?tree_size=" + bad, "tree_size");
      check_query_422(port, "/audit/proof/inclusion?position=" + bad, "position");
      check_query_422(port, "/audit/proof/inclusion?position=1&tree_size=" + bad, "tree_size");
      check_query_422(port, "/audit/proof/consistency?first=" + bad, "first");
      check_query_422(port, "/audit/proof/consistency?first=1&second=" + bad, "second");
    }
    // Missing required parameters.
    check_query_422(port, "/audit/proof/inclusion", "position");
    check_query_422(port, "/audit/proof/inclusion?tree_size=3", "position");
    check_query_422(port, "/audit/proof/consistency", "first");
    check_query_422(port, "/audit/proof/consistency?second=3", "first");
    // A position past its tree, a tree past the head.
    check_query_422(port, "/audit/proof/inclusion?position=4&tree_size=3", "position");
    check_query_422(port, "/audit/proof/inclusion?position=6", "position");
    check_query_422(port, "/audit/proof/inclusion?position=1&tree_size=6", "tree_size");
    // first past second, second past the head.
    check_query_422(port, "/audit/proof/consistency?first=4&second=3", "first");
    check_query_422(port, "/audit/proof/consistency?first=6", "first");
    check_query_422(port, "/audit/proof/consistency?first=1&second=6", "second");
    check_query_422(port, "/audit/proof/consistency?first=1&second=99999999999999999999", "second");

    // The edges themselves are fine.
    CHECK(http_get(port, "/audit/tree-head?tree_size=5").status == 200);
    CHECK(http_get(port, "/audit/tree-head?tree_size=1").status == 200);
    CHECK(http_get(port, "/audit/proof/inclusion?position=5&tree_size=5").status == 200);
    CHECK(http_get(port, "/audit/proof/inclusion?position=1&tree_size=1").status == 200);
    CHECK(http_get(port, "/audit/proof/consistency?first=5&second=5").status == 200);
    CHECK(http_get(port, "/audit/proof/consistency?first=1&second=1").status == 200);
  }
}

// ---------------------------------------------------------------------------------------
// 4. `catalog audit check`.

TEST_CASE("audit check passes on a clean service, pins its key and keeps its head", "[proofs]") {
  TempDir dir;
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  unsigned short port = server.port();
  auto key = audit_key(port);
  add_tags(port, "тег", 7);
  std::string state = dir.file("audit-state.json");

  auto first = audit_check(dir, port, state);
  check_audit_passes(first);
  CHECK(contains(first.out, "pinned"));
  auto pinned = state_of(state);
  CHECK(pinned["key_id"] == key["key_id"]);
  CHECK(pinned["public_key"] == key["public_key"]);
  CHECK(pinned["head"]["tree_size"] == 7);
  CHECK(pinned["head"]["root_hash"] == signed_head(port, key)["root_hash"]);

  // More writes and a restart: still the same log, proven consistent with the saved head.
  add_tags(port, "ещё", 5);
  server.restart();
  port = server.port();
  created(port, "/categories/", {{"name", "Категория"}});
  auto second = audit_check(dir, port, state);
  check_audit_passes(second);
  CHECK(contains(second.out, "consistent with the saved head of size 7"));
  auto saved = state_of(state);
  CHECK(saved["key_id"] == key["key_id"]);
  CHECK(saved["head"]["tree_size"] == 13);
  auto head = signed_head(port, key);
  CHECK(saved["head"]["root_hash"] == head["root_hash"]);
  CHECK(hash_of(head["root_hash"]) == mth(leaves_of(all_events(port)), 0, 13));

  // Nothing new: the same size proves too.
  check_audit_passes(audit_check(dir, port, state));

  // --json: one object on stdout.
  auto as_json = audit_check(dir, port, state, {"--json"});
  INFO("stdout: " << as_json.out << "\nstderr: " << as_json.err);
  CHECK(as_json.exit_code == 0);
  REQUIRE(lines_of(as_json.out).size() == 1);
  auto report = json::parse(as_json.out);
  CHECK(report["ok"] == true);
  CHECK(report["tree_size"] == 13);
  CHECK(report["events"] == 13);
  CHECK(report["root_hash"] == head["root_hash"]);
  CHECK(report["failure"].is_null());

  // Without --state the state is catalog-audit.json in the working directory.
  auto plain = run_catalog(
      dir.path(), {"audit", "check", "--url", "http://127.0.0.1:" + std::to_string(port)}, {});
  check_audit_passes(plain);
  CHECK(state_of(dir.file("catalog-audit.json"))["key_id"] == key["key_id"]);

  // A damaged state file is a failure that names it, and is left for the auditor to look at.
  std::string damaged = dir.file("damaged-state.json");
  write_file(damaged, "{\"version\": 1, \"key_id\": ", 0644);
  check_audit_fails(audit_check(dir, port, damaged), {damaged});
  CHECK(read_text(damaged) == "{\"version\": 1, \"key_id\": ");
}

TEST_CASE("audit check finds an event changed in the database file", "[proofs]") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  auto gadgets = created(server.port(), "/categories/", {{"name", "Гаджеты"}});
  auto product = created(server.port(), "/products/",
                         {{"name", "Плюмбус"},
                          {"price_shmeckles", 10.5},
                          {"price_flurbos", 2.0},
                          {"category_id", gadgets["id"]}});
  REQUIRE(
      http_put(server.port(), path_of("/products/", product), {{"price_shmeckles", 99.0}}).status ==
      200);
  add_tags(server.port(), "тег", 4);
  auto events = all_events(server.port());
  REQUIRE(events.size() == 7);
  REQUIRE(events[2]["type"] == "ProductUpdated");
  std::string state = dir.file("audit-state.json");
  check_audit_passes(audit_check(dir, server.port(), state));
  std::string kept = read_text(state);
  REQUIRE(server.stop() == 0);

  {
    // The log refuses UPDATE; someone with the file drops that guard first.
    Intruder intruder(db);
    intruder.db().exec("DROP TRIGGER events_append_only_update");
    intruder.db().exec(
        "UPDATE events SET data = json_set(data, '$.price_shmeckles', 0.01) WHERE position = 3");
    REQUIRE(intruder.db().changes() == 1);
  }
  // API.md: a database whose log was altered still starts and serves.
  server.restart();
  REQUIRE(get_json(server.port(), "/events?after=2&limit=1")[0]["data"]["price_shmeckles"] == 0.01);
  check_audit_fails(audit_check(dir, server.port(), state),
                    {"position 3", "hash does not recompute"});
  // A failed audit keeps the head it was checked against.
  CHECK(read_text(state) == kept);
  // --json says the same on stdout.
  auto as_json = audit_check(dir, server.port(), state, {"--json"});
  INFO("stdout: " << as_json.out << "\nstderr: " << as_json.err);
  CHECK(as_json.exit_code == 1);
  REQUIRE(lines_of(as_json.out).size() == 1);
  auto report = json::parse(as_json.out);
  CHECK(report["ok"] == false);
  REQUIRE(report["failure"].is_string());
  CHECK(contains(report["failure"].get<std::string>(), "position 3"));
  CHECK(read_text(state) == kept);
  // A first audit (no state) finds it too.
  check_audit_fails(audit_check(dir, server.port(), dir.file("fresh-state.json")), {"position 3"});
  CHECK_FALSE(fs::exists(dir.file("fresh-state.json")));
}

TEST_CASE("audit check finds a log restored from an earlier copy", "[proofs]") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  std::string early = dir.file("early-copy.db");
  ServerProcess server(dir.path(), db);
  add_tags(server.port(), "тег", 5);
  REQUIRE(server.stop() == 0);
  copy_database(db, early);
  server.restart();
  add_tags(server.port(), "ещё", 5);
  std::string state = dir.file("audit-state.json");
  check_audit_passes(audit_check(dir, server.port(), state));
  REQUIRE(state_of(state)["head"]["tree_size"] == 10);
  std::string kept = read_text(state);
  REQUIRE(server.stop() == 0);

  // The earlier copy back in place; the key file beside it is the same.
  copy_database(early, db);
  server.restart();
  REQUIRE(get_json(server.port(), "/health")["position"] == 5);
  check_audit_fails(audit_check(dir, server.port(), state),
                    {"the log shrank", "5 events", "saved one 10"});
  CHECK(read_text(state) == kept);
}

TEST_CASE("audit check finds a head signed by a key other than the pinned one", "[proofs]") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  std::string other_key = dir.file("other-key.pem");
  std::string other_id = write_new_key(other_key);
  std::string state = dir.file("audit-state.json");
  std::string pinned_id;
  {
    ServerProcess server(dir.path(), db);
    add_tags(server.port(), "тег", 4);
    pinned_id = audit_key(server.port())["key_id"].get<std::string>();
    check_audit_passes(audit_check(dir, server.port(), state));
    REQUIRE(server.stop() == 0);
  }
  REQUIRE(pinned_id != other_id);
  std::string kept = read_text(state);
  {
    // The same log, signed by another key.
    ServerProcess server(dir.path(), db, {{"CATALOG_SIGNING_KEY_FILE", other_key}});
    REQUIRE(audit_key(server.port())["key_id"] == other_id);
    check_audit_fails(audit_check(dir, server.port(), state), {"key", pinned_id, other_id});
    CHECK(read_text(state) == kept);
    REQUIRE(server.stop() == 0);
  }
  {
    // Back with the pinned key, the audit holds again.
    ServerProcess server(dir.path(), db);
    add_tags(server.port(), "ещё", 2);
    check_audit_passes(audit_check(dir, server.port(), state));
  }
}

TEST_CASE("audit check finds a log replaced by another history, signed by the same key",
          "[proofs]") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  std::string key_file = dir.file("shared-key.pem");
  write_new_key(key_file);
  Env with_key{{"CATALOG_SIGNING_KEY_FILE", key_file}};
  std::string fork_point = dir.file("fork-point.db");

  // The audited history: 5 events, then 5 more, audited at 10.
  ServerProcess server(dir.path(), db, with_key);
  add_tags(server.port(), "общий", 5);
  REQUIRE(server.stop() == 0);
  copy_database(db, fork_point);
  server.restart();
  add_tags(server.port(), "первый", 5);
  std::string state = dir.file("audit-state.json");
  check_audit_passes(audit_check(dir, server.port(), state));
  REQUIRE(state_of(state)["head"]["tree_size"] == 10);
  std::string kept = read_text(state);
  REQUIRE(server.stop() == 0);

  SECTION("a wholly different log of the same length and of a greater one") {
    // Built elsewhere with the same key, then put in place of the service's database.
    std::string other = dir.file("other.db");
    {
      TempDir elsewhere;
      ServerProcess forger(elsewhere.path(), other, with_key);
      add_tags(forger.port(), "чужой", 10);
      REQUIRE(forger.stop() == 0);
    }
    copy_database(other, db);
    server.restart();
    REQUIRE(get_json(server.port(), "/health")["position"] == 10);
    check_audit_fails(audit_check(dir, server.port(), state),
                      {"root of size 10 differs", "rewritten"});
    CHECK(read_text(state) == kept);
    add_tags(server.port(), "ещё", 3);
    check_audit_fails(audit_check(dir, server.port(), state),
                      {"consistency proof", "size 10", "size 13", "rewritten"});
    CHECK(read_text(state) == kept);
  }

  SECTION("the log forked after its fifth event, to the same length and past it") {
    copy_database(fork_point, db);
    server.restart();
    add_tags(server.port(), "второй", 5);
    REQUIRE(get_json(server.port(), "/health")["position"] == 10);
    check_audit_fails(audit_check(dir, server.port(), state),
                      {"root of size 10 differs", "rewritten"});
    add_tags(server.port(), "ещё", 7);
    check_audit_fails(audit_check(dir, server.port(), state),
                      {"consistency proof", "size 10", "size 17", "rewritten"});
    CHECK(read_text(state) == kept);
  }
}

TEST_CASE("audit check: wrong arguments exit 2, an unreachable service exits 1 with one line",
          "[proofs]") {
  TempDir dir;
  std::string state = dir.file("audit-state.json");
  unsigned short port = closed_port();
  std::string url = "http://127.0.0.1:" + std::to_string(port);

  const std::vector<std::vector<std::string>> wrong{
      {"audit", "check"},
      {"audit", "check", "--url"},
      {"audit", "check", "--state", state},
      {"audit", "check", "--url", "127.0.0.1:" + std::to_string(port)},
      {"audit", "check", "--url", "https://127.0.0.1:" + std::to_string(port)},
      {"audit", "check", "--url", url + "/audit"},
      {"audit", "check", "--url", "http://127.0.0.1"},
      {"audit", "check", "--url", url, "--bogus"},
      {"audit", "check", "--url", url, "extra"},
  };
  for (const auto& args : wrong) {
    auto r = run_catalog(dir.path(), args, {});
    std::string command;
    for (const auto& a : args)
      command += " " + a;
    INFO("catalog" << command << ": exit " << r.exit_code << "\nstdout: " << r.out
                   << "\nstderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(contains(r.err, "usage"));
  }
  CHECK_FALSE(fs::exists(state));
  CHECK_FALSE(fs::exists(dir.file("catalog-audit.json")));

  auto r = run_catalog(dir.path(), {"audit", "check", "--url", url, "--state", state}, {});
  INFO("exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  auto lines = lines_of(r.err);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].rfind("audit check: FAILED: ", 0) == 0);
  CHECK(contains(lines[0], "127.0.0.1:" + std::to_string(port)));
  CHECK_FALSE(fs::exists(state));
}

// ---------------------------------------------------------------------------------------
// 5. The stored tree checked against the log.

TEST_CASE("a Merkle tree node changed by hand fails verify, naming the position", "[proofs]") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  ServerProcess server(dir.path(), db);
  add_tags(server.port(), "тег", 20);
  auto key = audit_key(server.port());
  auto clean = get_json(server.port(), "/audit/verify");
  REQUIRE(clean["ok"] == true);
  std::string state = dir.file("audit-state.json");
  check_audit_passes(audit_check(dir, server.port(), state));
  REQUIRE(server.stop() == 0);

  // The subtree over leaves [idx << level, (idx + 1) << level) is complete once the event at
  // position (idx + 1) << level is logged: that is the position to name.
  int level = 0;
  int64_t index = 0;
  SECTION("an inner node off the root's path (leaves 5..8)") {
    level = 2;
    index = 1;
  }
  SECTION("the node of the first 16 leaves, part of the root") {
    level = 4;
    index = 0;
  }
  int64_t position = (index + 1) << level;
  {
    Intruder intruder(db);
    intruder.db().exec("DROP TRIGGER merkle_nodes_append_only_update");
    // Nodes are numbered in the order they are written (schema/0011_merkle_tree.up.sql).
    catalog::db::Statement change(intruder.db(),
                                  "UPDATE merkle_nodes SET hash = randomblob(32) WHERE seq = ?1");
    change.bind(1, catalog::merkle::node_seq({level, index})).run();
    REQUIRE(intruder.db().changes() == 1);
  }

  auto cli = run_catalog(dir.path(), {"verify"}, {{"DATABASE_URL", database_url(db)}});
  INFO("catalog verify: exit " << cli.exit_code << "\nstdout: " << cli.out
                               << "\nstderr: " << cli.err);
  CHECK(cli.exit_code == 1);
  REQUIRE(lines_of(cli.out).size() == 1);
  auto cli_report = json::parse(cli.out);
  CHECK(cli_report["ok"] == false);
  CHECK(cli_report["position"] == position);
  CHECK(contains(cli.err, "verify: FAILED at position " + std::to_string(position) + ":"));
  REQUIRE(cli_report["problem"].is_string());
  CHECK(contains(cli_report["problem"].get<std::string>(), "Merkle"));

  server.restart();
  auto report = get_json(server.port(), "/audit/verify");
  INFO(report.dump());
  CHECK(report["ok"] == false);
  CHECK(report["position"] == position);
  CHECK(report == cli_report);

  // What the tree now answers no longer proves against the events: the root (when the node
  // is part of it), or the paths that pass the node.
  auto leaves = leaves_of(all_events(server.port()));
  auto head = signed_head(server.port(), key);
  REQUIRE(head["tree_size"] == 20);
  bool root_changed = hash_of(head["root_hash"]) != mth(leaves, 0, 20);
  CHECK(root_changed == (level == 4));
  // Leaf 1's path in the tree of 20 has the node of leaves 5..8 beside it, leaf 17's the node
  // of the first 16.
  int64_t passing = level == 2 ? 1 : 17;
  auto proof =
      get_json(server.port(),
               "/audit/proof/inclusion?position=" + std::to_string(passing) + "&tree_size=20");
  CHECK_FALSE(verify_inclusion(passing - 1, 20, leaves[passing - 1], hashes_of(proof["audit_path"]),
                               mth(leaves, 0, 20)));
  // A full audit finds it: the signed root is not the saved one, or the proofs fail.
  if (root_changed)
    check_audit_fails(audit_check(dir, server.port(), state), {"root", "rewritten"});
  else
    check_audit_fails(audit_check(dir, server.port(), state), {"inclusion proof does not verify"});
}
