// The tests' own verifier of the service's proofs: the Merkle hashes and the inclusion and
// consistency proofs of RFC 9162 (§2.1.1, §2.1.3.2, §2.1.4.2), written from the RFC alone, and
// the Ed25519 check of a signed tree head as API.md describes it, on OpenSSL's SHA-256 and
// Ed25519. It is independent of the service's src/merkle and must not include it: a proof the
// tests accept is one that the service's own code did not judge.
//
// Raw bytes (hashes, signatures) are std::string; hashes are 32 bytes.
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace catalog::testing {

// ---------------------------------------------------------------------------------------
// Hex and base64.

// Lowercase hex digits of `raw`.
std::string to_hex(const std::string& raw);

// The bytes of an even number of hex digits (of either case); throws std::invalid_argument for
// anything else.
std::string from_hex(const std::string& hex);

// Whether `text` is a hash as the service writes it: 64 lowercase hex digits.
bool is_hash_hex(const std::string& text);

// The hashes of a JSON array of hashes (an audit or consistency path); throws
// std::invalid_argument unless it is an array whose every item is 64 lowercase hex digits.
std::vector<std::string> hashes_of(const nlohmann::json& list);

// Standard padded base64, strictly (no line breaks, canonical last bits); nullopt for anything
// else, the empty text included.
std::optional<std::string> decode_base64(const std::string& text);

// ---------------------------------------------------------------------------------------
// RFC 9162 §2.1.

// SHA-256 of `bytes`.
std::string sha256(const std::string& bytes);

// §2.1.1: the hash of a leaf, from its input (here an event's 32-byte hash), and of a node.
std::string leaf_hash(const std::string& entry);
std::string node_hash(const std::string& left, const std::string& right);

// §2.1.1: MTH of leaves [begin, end), from their leaf hashes, by the recursive definition; the
// SHA-256 of nothing for no leaves.
std::string mth(const std::vector<std::string>& leaf_hashes, std::size_t begin, std::size_t end);

// §2.1.3.2: whether `path` proves the leaf hash `leaf` at `leaf_index` (from 0) in the tree of
// `tree_size` leaves whose root is `root`.
bool verify_inclusion(uint64_t leaf_index, uint64_t tree_size, const std::string& leaf,
                      const std::vector<std::string>& path, const std::string& root);

// §2.1.4.2: whether `path` proves the tree of `first` leaves with root `first_root` a prefix of
// the tree of `second` leaves with root `second_root`. Equal sizes, which the RFC leaves out,
// prove with an empty path and equal roots, as API.md says.
bool verify_consistency(uint64_t first, uint64_t second, const std::string& first_root,
                        const std::string& second_root, std::vector<std::string> path);

// ---------------------------------------------------------------------------------------
// Keys and signed tree heads.

// A public key and its key_id.
struct PublicKey {
  std::shared_ptr<EVP_PKEY> key;
  std::string key_id;
};

// The key_id of a key: the hex SHA-256 of its DER SubjectPublicKeyInfo
// (`openssl pkey -pubout -outform DER | sha256sum`). Throws std::runtime_error if OpenSSL
// cannot encode it.
std::string key_id_of(EVP_PKEY* key);

// The public key of a PEM SubjectPublicKeyInfo ("BEGIN PUBLIC KEY"), of any algorithm; throws
// std::runtime_error for a text that is not one.
PublicKey read_public_key(const std::string& pem);

// Whether `signature` is an Ed25519 signature of `message` by `key`; false for a key that is
// not an Ed25519 key.
bool ed25519_verifies(const PublicKey& key, const std::string& message,
                      const std::string& signature);

// Whether `text` is the timestamp of a signed tree head: UTC to the millisecond, as in
// 2024-05-06T07:08:09.010Z.
bool is_head_timestamp(const std::string& text);

// What a tree head's signature signs (API.md):
// "catalog-tree-head-v1\n{tree_size}\n{root_hash}\n{timestamp}".
std::string tree_head_message(int64_t tree_size, const std::string& root_hash,
                              const std::string& timestamp);

// Whether `head` is a signed tree head {tree_size, root_hash, timestamp, key_id, signature}
// whose fields have the contract's shape, whose key_id is `key`'s and whose signature holds
// under `key`.
bool head_signed_by(const PublicKey& key, const nlohmann::json& head);

}  // namespace catalog::testing
