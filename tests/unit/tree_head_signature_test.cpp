// The auditor's client trusts a tree head only by the Ed25519 signature of the pinned key,
// and keeps that key and the last verified head in a state file replaced atomically.
#include "app/tree_head_signature.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "app/audit_state.hpp"
#include "support/temp_dir.hpp"
#include "unit/ed25519_test_key.hpp"

using namespace catalog::app;
using catalog::testing::TempDir;
using catalog::testing::TestSigningKey;

namespace {

SignedTreeHead signed_head(const TestSigningKey& key) {
  SignedTreeHead h;
  h.tree_size = 42;
  h.root_hash = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";
  h.timestamp = "2026-11-24T14:00:00.123Z";
  h.key_id = key.key_id();
  h.signature = key.sign_base64(tree_head_message(h));
  return h;
}

std::string ec_public_pem() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), &EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), key.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

TEST_CASE("the signed bytes of a tree head are the four documented lines, no newline after") {
  SignedTreeHead h{7, std::string(64, 'a'), "2026-11-24T14:00:00.123Z", "", ""};
  CHECK(tree_head_message(h) ==
        "catalog-tree-head-v1\n7\n" + std::string(64, 'a') + "\n2026-11-24T14:00:00.123Z");
}

TEST_CASE("a tree head verifies with the key that signed it, and with no other") {
  TestSigningKey key, other;
  auto public_key = Ed25519PublicKey::from_pem(key.public_pem());
  CHECK(public_key.key_id() == key.key_id());  // hex SHA-256 of the DER SubjectPublicKeyInfo
  SignedTreeHead h = signed_head(key);
  CHECK(verify_tree_head(public_key, h));
  CHECK_FALSE(verify_tree_head(Ed25519PublicKey::from_pem(other.public_pem()), h));

  auto changed = [&](auto mutate) {
    SignedTreeHead bad = h;
    mutate(bad);
    return verify_tree_head(public_key, bad);
  };
  CHECK_FALSE(changed([](SignedTreeHead& b) { b.tree_size = 43; }));
  CHECK_FALSE(changed([](SignedTreeHead& b) { b.root_hash[0] = '6'; }));
  CHECK_FALSE(changed([](SignedTreeHead& b) { b.timestamp[22] = '4'; }));
  CHECK_FALSE(changed([&](SignedTreeHead& b) {
    std::string sig = *decode_base64(b.signature);
    sig[10] ^= 1;
    b.signature = TestSigningKey::base64(sig);
  }));
  CHECK_FALSE(changed([](SignedTreeHead& b) { b.signature = ""; }));
  CHECK_FALSE(changed([](SignedTreeHead& b) { b.signature.pop_back(); }));  // no padding
  CHECK_FALSE(changed([](SignedTreeHead& b) { b.signature += "AAAA"; }));   // 67 bytes
  CHECK_FALSE(changed([](SignedTreeHead& b) { b.signature[5] = '-'; }));    // URL alphabet
  CHECK_FALSE(changed([](SignedTreeHead& b) { b.signature.insert(44, "\n"); }));
}

TEST_CASE("only a PEM Ed25519 public key is taken") {
  TestSigningKey key;
  CHECK_THROWS_AS(Ed25519PublicKey::from_pem(""), std::invalid_argument);
  CHECK_THROWS_AS(Ed25519PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC "
                                             "KEY-----\n"),
                  std::invalid_argument);
  CHECK_THROWS_AS(Ed25519PublicKey::from_pem(ec_public_pem()), std::invalid_argument);
  CHECK_NOTHROW(Ed25519PublicKey::from_pem(key.public_pem()));
}

TEST_CASE("base64 is decoded strictly: standard alphabet, padded, canonical") {
  CHECK(decode_base64("") == "");
  CHECK(decode_base64("Zg==") == "f");
  CHECK(decode_base64("Zm8=") == "fo");
  CHECK(decode_base64("Zm9v") == "foo");
  CHECK(decode_base64("+/+/") == std::string("\xfb\xff\xbf"));
  CHECK_FALSE(decode_base64("Zg"));     // unpadded
  CHECK_FALSE(decode_base64("Zh=="));   // stray low bits
  CHECK_FALSE(decode_base64("Zm9=="));  // not a multiple of 4
  CHECK_FALSE(decode_base64("Z==="));
  CHECK_FALSE(decode_base64("Zg==Zg=="));
  CHECK_FALSE(decode_base64("-_-_"));
  CHECK_FALSE(decode_base64("Zm 9"));
}

TEST_CASE("the audit state round-trips through its file, replaced atomically") {
  TempDir dir;
  std::string path = dir.file("catalog-audit.json");
  CHECK_FALSE(load_audit_state(path));  // the first run

  TestSigningKey key;
  AuditState pinned{key.key_id(), key.public_pem(), std::nullopt};
  save_audit_state(path, pinned);
  auto back = load_audit_state(path);
  REQUIRE(back);
  CHECK(back->key_id == pinned.key_id);
  CHECK(back->public_key_pem == pinned.public_key_pem);
  CHECK_FALSE(back->head);

  pinned.head = signed_head(key);
  save_audit_state(path, pinned);
  back = load_audit_state(path);
  REQUIRE(back);
  REQUIRE(back->head);
  CHECK(back->head->tree_size == 42);
  CHECK(back->head->root_hash == pinned.head->root_hash);
  CHECK(back->head->timestamp == pinned.head->timestamp);
  CHECK(back->head->key_id == pinned.head->key_id);
  CHECK(back->head->signature == pinned.head->signature);
  CHECK(verify_tree_head(Ed25519PublicKey::from_pem(back->public_key_pem), *back->head));

  // Nothing is left beside it: the temporary file was renamed over the state.
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path()))
    ++files;
  CHECK(files == 1);
  CHECK_THROWS_AS(save_audit_state(dir.file("no/such/dir/state.json"), pinned), std::runtime_error);
}

TEST_CASE("a damaged state file is an error, not a first run") {
  TempDir dir;
  std::string path = dir.file("catalog-audit.json");
  std::ofstream(path) << "{\"version\": 1, \"key_id\": \"abc\"";
  CHECK_THROWS_WITH(load_audit_state(path), Catch::Contains("damaged"));
  std::ofstream(path) << R"({"version": 2, "key_id": "", "public_key": "", "head": null})";
  CHECK_THROWS_WITH(load_audit_state(path), Catch::Contains("damaged"));
}
