// Throwaway X.509 material for HTTPS tests: a CA and a server certificate it signed, made with
// OpenSSL's C API so that the tests need no openssl binary.
#pragma once

#include <string>

namespace catalog::testing {

struct TestPki {
  std::string ca_pem;  // what a client must trust
  std::string server_cert_pem;
  std::string server_key_pem;
};

// A new CA and a server certificate for `subject_alt_names`, in OpenSSL's configuration syntax
// ("IP:127.0.0.1", "DNS:other.example,IP:127.0.0.2"), valid from an hour ago for a day.
TestPki make_test_pki(const std::string& subject_alt_names);

}  // namespace catalog::testing
