// The tests' own RFC 9162 verifier and signed-tree-head check; see auditor.hpp. Written from
// RFC 9162 and API.md, independent of src/merkle (which it does not include).
#include "support/auditor.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <regex>
#include <stdexcept>

namespace catalog::testing {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool lsb(uint64_t v) {
  return (v & 1) != 0;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Hex and base64.

std::string to_hex(const std::string& raw) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out;
}

std::string from_hex(const std::string& hex) {
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd number of hex digits: " + hex);
  std::string raw;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int high = hex_digit(hex[i]);
    int low = hex_digit(hex[i + 1]);
    if (high < 0 || low < 0) throw std::invalid_argument("not hex: " + hex);
    raw += static_cast<char>((high << 4) | low);
  }
  return raw;
}

bool is_hash_hex(const std::string& text) {
  static const std::regex shape("^[0-9a-f]{64}$");
  return std::regex_match(text, shape);
}

std::vector<std::string> hashes_of(const nlohmann::json& list) {
  if (!list.is_array()) throw std::invalid_argument("not a list of hashes: " + list.dump());
  std::vector<std::string> out;
  for (const auto& h : list) {
    if (!h.is_string() || !is_hash_hex(h.get<std::string>()))
      throw std::invalid_argument("not a hash: " + h.dump() + " in " + list.dump());
    out.push_back(from_hex(h.get<std::string>()));
  }
  return out;
}

std::optional<std::string> decode_base64(const std::string& text) {
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  while (pad < 2 && text[text.size() - 1 - pad] == '=')
    ++pad;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size() - pad; ++i) {
    auto v = alphabet.find(text[i]);
    if (v == std::string::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-canonical tail
  return out;
}

// ---------------------------------------------------------------------------------------
// RFC 9162 §2.1.

std::string sha256(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr) != 1 || len != 32)
    throw std::runtime_error("SHA-256 failed");
  return std::string(reinterpret_cast<const char*>(digest), len);
}

std::string leaf_hash(const std::string& entry) {
  return sha256(std::string(1, '\x00') + entry);
}

std::string node_hash(const std::string& left, const std::string& right) {
  return sha256(std::string(1, '\x01') + left + right);
}

std::string mth(const std::vector<std::string>& leaf_hashes, std::size_t begin, std::size_t end) {
  std::size_t n = end - begin;
  if (n == 0) return sha256("");
  if (n == 1) return leaf_hashes[begin];
  std::size_t k = 1;
  while (k * 2 < n)
    k *= 2;
  return node_hash(mth(leaf_hashes, begin, begin + k), mth(leaf_hashes, begin + k, end));
}

// §2.1.3.2, step by step.
bool verify_inclusion(uint64_t leaf_index, uint64_t tree_size, const std::string& leaf,
                      const std::vector<std::string>& path, const std::string& root) {
  if (leaf_index >= tree_size) return false;
  uint64_t fn = leaf_index, sn = tree_size - 1;
  std::string r = leaf;
  for (const auto& p : path) {
    if (sn == 0) return false;
    if (lsb(fn) || fn == sn) {
      r = node_hash(p, r);
      while (!lsb(fn) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

// §2.1.4.2, step by step.
bool verify_consistency(uint64_t first, uint64_t second, const std::string& first_root,
                        const std::string& second_root, std::vector<std::string> path) {
  if (first == 0 || first > second) return false;
  if (first == second) return path.empty() && first_root == second_root;
  if (path.empty()) return false;
  if ((first & (first - 1)) == 0) path.insert(path.begin(), first_root);
  uint64_t fn = first - 1, sn = second - 1;
  while (lsb(fn)) {
    fn >>= 1;
    sn >>= 1;
  }
  std::string fr = path[0], sr = path[0];
  for (std::size_t i = 1; i < path.size(); ++i) {
    const std::string& c = path[i];
    if (sn == 0) return false;
    if (lsb(fn) || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      while (!lsb(fn) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == first_root && sr == second_root && sn == 0;
}

// ---------------------------------------------------------------------------------------
// Keys and signed tree heads.

std::string key_id_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) throw std::runtime_error("cannot encode the public key");
  std::string bytes(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return to_hex(sha256(bytes));
}

PublicKey read_public_key(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) throw std::runtime_error("cannot read a public key");
  EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (raw == nullptr) throw std::runtime_error("not a PEM public key: " + pem);
  PublicKey out{std::shared_ptr<EVP_PKEY>(raw, &EVP_PKEY_free), {}};
  out.key_id = key_id_of(raw);
  return out;
}

bool ed25519_verifies(const PublicKey& key, const std::string& message,
                      const std::string& signature) {
  if (!key.key || EVP_PKEY_get_base_id(key.key.get()) != EVP_PKEY_ED25519) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.key.get()) != 1)
    return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

bool is_head_timestamp(const std::string& text) {
  static const std::regex shape(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)");
  return std::regex_match(text, shape);
}

std::string tree_head_message(int64_t tree_size, const std::string& root_hash,
                              const std::string& timestamp) {
  return "catalog-tree-head-v1\n" + std::to_string(tree_size) + "\n" + root_hash + "\n" + timestamp;
}

bool head_signed_by(const PublicKey& key, const nlohmann::json& head) {
  if (!head.is_object()) return false;
  for (const char* field : {"root_hash", "timestamp", "key_id", "signature"}) {
    if (!head.contains(field) || !head.at(field).is_string()) return false;
  }
  if (!head.contains("tree_size") || !head.at("tree_size").is_number_integer()) return false;
  auto root = head.at("root_hash").get<std::string>();
  auto when = head.at("timestamp").get<std::string>();
  if (!is_hash_hex(root) || !is_head_timestamp(when)) return false;
  if (head.at("key_id") != key.key_id) return false;
  auto signature = decode_base64(head.at("signature").get<std::string>());
  if (!signature) return false;
  return ed25519_verifies(key, tree_head_message(head.at("tree_size").get<int64_t>(), root, when),
                          *signature);
}

}  // namespace catalog::testing
