#include "http/framing.hpp"

#include <boost/beast/core/string.hpp>

namespace catalog::http {

bool ambiguous_framing(const Request& req) {
  if (req.count(beast_http::field::content_length) > 1) return true;
  auto te = req.find(beast_http::field::transfer_encoding);
  if (te == req.end()) return false;
  return req.count(beast_http::field::transfer_encoding) > 1 ||
         !boost::beast::iequals(te->value(), "chunked");
}

}  // namespace catalog::http
