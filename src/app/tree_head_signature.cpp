#include "app/tree_head_signature.hpp"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <stdexcept>

#include "merkle/signing_key.hpp"
#include "merkle/tree.hpp"

namespace catalog::app {

Ed25519PublicKey Ed25519PublicKey::from_pem(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  EVP_PKEY* key = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (key == nullptr) throw std::invalid_argument("not a PEM public key");
  Ed25519PublicKey out(key);  // owns it from here on
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519)
    throw std::invalid_argument("not an Ed25519 public key");
  return out;
}

std::string Ed25519PublicKey::key_id() const {
  return merkle::key_id_of(key_.get());
}

bool Ed25519PublicKey::verify(std::string_view message, std::string_view signature) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  // Ed25519 hashes internally: no digest is named, and the message goes in one call.
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

std::optional<std::string> decode_base64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=')
    ++padding;
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (size_t i = 0; i < text.size() - padding; ++i) {
    int v = value(text[i]);
    if (v < 0) return std::nullopt;
    bits = bits << 6 | static_cast<uint32_t>(v);
    if (++count == 4) {
      out += static_cast<char>(bits >> 16 & 0xff);
      out += static_cast<char>(bits >> 8 & 0xff);
      out += static_cast<char>(bits & 0xff);
      bits = 0;
      count = 0;
    }
  }
  // The last group: 2 characters give one byte, 3 give two; the unused low bits must be 0,
  // so that each byte string has exactly one encoding.
  if (count == 2) {
    if (bits & 0xf) return std::nullopt;
    out += static_cast<char>(bits >> 4 & 0xff);
  } else if (count == 3) {
    if (bits & 0x3) return std::nullopt;
    out += static_cast<char>(bits >> 10 & 0xff);
    out += static_cast<char>(bits >> 2 & 0xff);
  } else if (count != 0) {
    return std::nullopt;
  }
  return out;
}

bool verify_tree_head(const Ed25519PublicKey& key, const SignedTreeHead& head) {
  auto signature = decode_base64(head.signature);
  return signature && signature->size() == 64 && key.verify(tree_head_message(head), *signature);
}

}  // namespace catalog::app
