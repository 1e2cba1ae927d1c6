#include "http/query_string.hpp"

#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>

namespace catalog::http {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 &&
               hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Decoded bytes come from the client and may be anything; the rest of the service (ICU,
// nlohmann's dump) expects valid UTF-8, so repair it here once.
std::string replace_invalid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  int32_t n = static_cast<int32_t>(s.size());
  int32_t i = 0;
  while (i < n) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(bytes, i, n, c);
    if (c < 0) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(s.substr(start, i - start));
    }
  }
  return out;
}

std::string decode(std::string_view s) {
  return replace_invalid_utf8(percent_decode(s));
}

}  // namespace

QueryParams parse_query_string(std::string_view raw) {
  QueryParams params;
  while (!raw.empty()) {
    size_t amp = raw.find('&');
    std::string_view pair = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      params.emplace_back(decode(pair), std::string{});
    } else {
      params.emplace_back(decode(pair.substr(0, eq)), decode(pair.substr(eq + 1)));
    }
  }
  return params;
}

std::optional<std::string> first(const QueryParams& params, std::string_view name) {
  auto it = std::find_if(params.begin(), params.end(),
                         [&](const QueryParam& p) { return p.first == name; });
  if (it == params.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> last(const QueryParams& params, std::string_view name) {
  auto it = std::find_if(params.rbegin(), params.rend(),
                         [&](const QueryParam& p) { return p.first == name; });
  if (it == params.rend()) return std::nullopt;
  return it->second;
}

}  // namespace catalog::http
