// Request smuggling shapes that Beast's parser lets through, refused by the session before
// dispatch (and checked by the HTTP fuzz target the same way).
#pragma once

#include "http/response.hpp"

namespace catalog::http {

// A repeated Content-Length (even with equal values), or a Transfer-Encoding other than
// one plain "chunked".
bool ambiguous_framing(const Request& req);

}  // namespace catalog::http
