#include "http/if_match.hpp"

#include <charconv>
#include <string_view>

namespace catalog::http {

std::optional<int64_t> expected_version(const Request& req) {
  auto it = req.find(beast_http::field::if_match);
  if (it == req.end()) return std::nullopt;
  std::string_view v = it->value();
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
    v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
    v.remove_suffix(1);
  if (v == "*") return std::nullopt;
  if (v.size() < 3 || v.front() != '"' || v.back() != '"') return 0;
  v = v.substr(1, v.size() - 2);
  int64_t version = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), version);
  if (r.ec != std::errc{} || r.ptr != v.data() + v.size() || version < 1) return 0;
  return version;
}

}  // namespace catalog::http
