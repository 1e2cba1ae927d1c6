// Reads `If-Match: "<version>"` for optimistic concurrency.
#pragma once

#include <cstdint>
#include <optional>

#include "http/router.hpp"

namespace catalog::http {

// The version the client expects, or nullopt when it sent no If-Match (or `*`): then the
// last write wins. A header that can never match a version (a weak tag, a list, garbage)
// yields 0, which no entity ever has, so the command fails with 412 as RFC 9110 asks.
std::optional<int64_t> expected_version(const Request& req);

}  // namespace catalog::http
