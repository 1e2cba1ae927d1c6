#include "merkle/signing_key.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "merkle/tree.hpp"

namespace catalog::merkle {

namespace {

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string errno_text() {
  return std::strerror(errno);
}

EVP_PKEY* generate() {
  EVP_PKEY* key = nullptr;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr), &EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &key) != 1)
    throw SigningKeyError("cannot generate an Ed25519 key");
  return key;
}

std::string private_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw SigningKeyError("cannot encode the signing key");
  return bio_text(bio.get());
}

void write_all(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw SigningKeyError("cannot write the signing key file " + path + ": " + errno_text());
    done += static_cast<size_t>(n);
  }
}

// Writes a new key to a private temporary file and links it to `path`; link(2) refuses an
// existing path, so the first process to get there wins and the others read its key.
void create_key_file(const std::string& path) {
  std::random_device random;
  std::string temporary =
      path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(random());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    throw SigningKeyError("cannot create the signing key file " + path + ": " + errno_text());
  try {
    std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(generate(), &EVP_PKEY_free);
    write_all(fd, private_pem(key.get()), path);
    if (::fsync(fd) != 0)
      throw SigningKeyError("cannot write the signing key file " + path + ": " + errno_text());
    ::close(fd);
    fd = -1;
    if (::link(temporary.c_str(), path.c_str()) != 0 && errno != EEXIST)
      throw SigningKeyError("cannot create the signing key file " + path + ": " + errno_text());
    ::unlink(temporary.c_str());
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  // The new name must survive a crash too.
  auto slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace

SigningKey::SigningKey(EVP_PKEY* key) : key_(key, Free{}) {
  Bio bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1)
    throw SigningKeyError("cannot encode the public key");
  public_pem_ = bio_text(bio.get());
  key_id_ = key_id_of(key);
}

std::string key_id_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) throw SigningKeyError("cannot encode the public key as DER");
  std::string bytes(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return to_hex(sha256(bytes));
}

SigningKey SigningKey::read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SigningKeyError("cannot read the signing key file " + path + ": " + errno_text());
  std::stringstream text;
  text << in.rdbuf();
  std::string pem = text.str();
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  // The PEM text held a secret: it is wiped, whatever happens next.
  OPENSSL_cleanse(pem.data(), pem.size());
  if (key == nullptr)
    throw SigningKeyError("the signing key file " + path + " is not a PEM PKCS#8 private key");
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    throw SigningKeyError("the signing key file " + path + " does not hold an Ed25519 key");
  }
  return SigningKey(key);
}

SigningKey SigningKey::read_or_create(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT)
      throw SigningKeyError("cannot read the signing key file " + path + ": " + errno_text());
    create_key_file(path);
  }
  return read(path);
}

std::string SigningKey::public_pem() const {
  return public_pem_;
}

std::string SigningKey::key_id() const {
  return key_id_;
}

std::string SigningKey::sign_base64(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char signature[64];
  size_t size = sizeof signature;
  // Ed25519 hashes internally: no digest is named, and the message goes in one call.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature, &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1)
    throw SigningKeyError("cannot sign the tree head");
  return encode_base64(std::string_view(reinterpret_cast<const char*>(signature), size));
}

std::string encode_base64(std::string_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 |
                 uint8_t(bytes[i + 2]);
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += alphabet[v >> 6 & 63];
    out += alphabet[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (rest == 2) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += rest == 2 ? alphabet[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

std::string default_signing_key_path(const std::string& database_path) {
  return database_path + ".signing-key.pem";
}

}  // namespace catalog::merkle
