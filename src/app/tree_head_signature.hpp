// What an auditor trusts of a tree head: the Ed25519 signature of the service's key over
// `catalog-tree-head-v1\n{tree_size}\n{root_hash}\n{timestamp}` (API.md "Proofs for auditors"),
// checked with OpenSSL alone, never with anything the service computed.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "merkle/tree_head.hpp"

namespace catalog::app {

using merkle::SignedTreeHead;
using merkle::tree_head_message;

class Ed25519PublicKey {
 public:
  // Throws std::invalid_argument unless `pem` is a PEM SubjectPublicKeyInfo of an Ed25519 key.
  static Ed25519PublicKey from_pem(std::string_view pem);

  // Hex SHA-256 of the DER SubjectPublicKeyInfo: the key's name in answers and state files.
  std::string key_id() const;
  bool verify(std::string_view message, std::string_view signature) const;

 private:
  struct Free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  };
  explicit Ed25519PublicKey(EVP_PKEY* key) : key_(key, Free{}) {}
  std::shared_ptr<EVP_PKEY> key_;
};

// Standard base64 with its padding, nothing else (no line breaks, no URL alphabet).
std::optional<std::string> decode_base64(std::string_view text);

// True when `head.signature` is `key`'s signature over tree_head_message(head).
bool verify_tree_head(const Ed25519PublicKey& key, const SignedTreeHead& head);

}  // namespace catalog::app
