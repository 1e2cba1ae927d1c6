// The answer to a mutation sent with an Idempotency-Key, kept verbatim so that a retry with
// the same key gets it again instead of a second change (API.md, "Safe retries").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace catalog::events {

struct KeptAnswer {
  std::string key;
  std::string fingerprint;  // of the method, path and body the key was first sent with
  int status = 0;
  std::string body;
  std::optional<std::string> location;
  std::optional<std::string> etag;
  int64_t position = 0;  // Catalog-Position: the last position the mutation wrote

  bool operator==(const KeptAnswer&) const = default;
};

// How long a key is remembered.
inline constexpr int64_t kept_answer_millis = 24LL * 60 * 60 * 1000;

}  // namespace catalog::events
