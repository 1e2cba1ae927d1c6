// The service's Ed25519 key for signing tree heads. Read from a PEM PKCS#8 file, or created
// once and kept. The private half never leaves this class: no accessor returns it, and no
// message of an exception quotes the file's contents.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace catalog::merkle {

struct SigningKeyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class SigningKey {
 public:
  // Reads a PEM PKCS#8 Ed25519 private key. Throws SigningKeyError naming the path and what
  // is wrong (missing, unreadable, not Ed25519), never what the file holds.
  static SigningKey read(const std::string& path);
  // Reads the key at `path`, or creates one there first: written to a temporary file of mode
  // 0600 in the same directory, flushed, then linked into place, so a crash leaves either no
  // key or a whole one, and two processes starting at once end up with the same key.
  static SigningKey read_or_create(const std::string& path);

  std::string public_pem() const;  // SubjectPublicKeyInfo, PEM
  std::string key_id() const;      // hex SHA-256 of the DER SubjectPublicKeyInfo
  // The Ed25519 signature of `message`, in standard padded base64.
  std::string sign_base64(std::string_view message) const;

 private:
  struct Free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  };
  explicit SigningKey(EVP_PKEY* key);
  std::shared_ptr<EVP_PKEY> key_;
  std::string public_pem_;
  std::string key_id_;
};

// Hex SHA-256 of a key's DER SubjectPublicKeyInfo: its key_id in answers and state files.
std::string key_id_of(EVP_PKEY* key);

// Standard base64 with padding, no line breaks.
std::string encode_base64(std::string_view bytes);

// The key file of a single node when CATALOG_SIGNING_KEY_FILE is unset: beside its database.
std::string default_signing_key_path(const std::string& database_path);

}  // namespace catalog::merkle
