// Certificate generation for the HTTPS tests, with P-256 keys: fast to make, and accepted
// at every OpenSSL security level.
#include "tls_test_cert.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

namespace catalog::testing {

namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
using Extensions = std::vector<std::pair<int, std::string>>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

Key new_key() {
  Key key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  check(key != nullptr, "EC key generation");
  return key;
}

void add_extensions(X509* cert, X509* issuer, const Extensions& extensions) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    check(ext != nullptr, "extension");
    check(X509_add_ext(cert, ext, -1) == 1, "adding an extension");
    X509_EXTENSION_free(ext);
  }
}

// A self-signed certificate when `issuer` is null.
Cert make_cert(EVP_PKEY* key, const char* common_name, long serial, X509* issuer,
               EVP_PKEY* issuer_key, const Extensions& extensions) {
  Cert cert(X509_new(), X509_free);
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  check(X509_set_pubkey(cert.get(), key) == 1, "setting the public key");
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1, "issuer name");
  add_extensions(cert.get(), signer, extensions);
  check(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0,
        "signing");
  return cert;
}

template <class Write>
std::string pem(Write write) {
  Bio bio(BIO_new(BIO_s_mem()), BIO_free);
  check(bio != nullptr && write(bio.get()) == 1, "PEM encoding");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

TestPki make_test_pki(const std::string& subject_alt_names) {
  Key ca_key = new_key();
  Cert ca = make_cert(ca_key.get(), "catalog test CA", 1, nullptr, nullptr,
                      {{NID_basic_constraints, "critical,CA:TRUE"},
                       {NID_key_usage, "critical,keyCertSign,cRLSign"},
                       {NID_subject_key_identifier, "hash"}});
  Key server_key = new_key();
  Cert server = make_cert(server_key.get(), "catalog test server", 2, ca.get(), ca_key.get(),
                          {{NID_basic_constraints, "critical,CA:FALSE"},
                           {NID_ext_key_usage, "serverAuth"},
                           {NID_subject_alt_name, subject_alt_names}});
  return {pem([&](BIO* b) { return PEM_write_bio_X509(b, ca.get()); }),
          pem([&](BIO* b) { return PEM_write_bio_X509(b, server.get()); }), pem([&](BIO* b) {
            return PEM_write_bio_PrivateKey(b, server_key.get(), nullptr, nullptr, 0, nullptr,
                                            nullptr);
          })};
}

}  // namespace catalog::testing
