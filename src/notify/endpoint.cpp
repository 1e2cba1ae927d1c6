// Parsing of the Bot API base URL into scheme, host, port and path prefix.
#include "notify/endpoint.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

namespace catalog::notify {

namespace {

[[noreturn]] void fail(const std::string& why) {
  throw std::invalid_argument("invalid Telegram API base URL: " + why);
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char lower, char c) {
           return std::tolower(static_cast<unsigned char>(c)) == lower;
         });
}

std::uint16_t default_port(Scheme scheme) {
  return scheme == Scheme::https ? 443 : 80;
}

std::uint16_t parse_port(std::string_view digits) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || value == 0 ||
      value > 65535)
    fail("the port must be a number from 1 to 65535");
  return static_cast<std::uint16_t>(value);
}

bool is_host_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}

bool is_ipv6_char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
}

// Splits "host", "host:port", "[v6]" or "[v6]:port" into the endpoint.
void parse_authority(std::string_view authority, Endpoint& e) {
  if (authority.find('@') != std::string_view::npos) fail("user info is not supported");
  std::string_view host = authority;
  std::string_view rest;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) fail("an IPv6 address lacks its closing ']'");
    host = authority.substr(1, close - 1);
    rest = authority.substr(close + 1);
    if (host.empty() || !std::all_of(host.begin(), host.end(), is_ipv6_char))
      fail("the IPv6 address is not valid");
    if (!rest.empty() && !rest.starts_with(':')) fail("unexpected text after the IPv6 address");
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) rest = authority.substr(colon);
    if (host.empty() || !std::all_of(host.begin(), host.end(), is_host_name_char))
      fail("the host name is empty or has characters not allowed in a host name");
  }
  e.host = std::string(host);
  std::transform(e.host.begin(), e.host.end(), e.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  e.port = rest.empty() ? default_port(e.scheme) : parse_port(rest.substr(1));
}

// The prefix becomes part of every request target, so it must be a plain printable path.
std::string parse_path_prefix(std::string_view path) {
  if (path.find_first_of("?#") != std::string_view::npos)
    fail("a query or fragment is not supported");
  for (char c : path)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      fail("the path has spaces, control or non-ASCII characters");
  while (path.ends_with('/'))
    path.remove_suffix(1);
  return std::string(path);
}

}  // namespace

std::string Endpoint::authority() const {
  std::string out = host.find(':') == std::string::npos ? host : "[" + host + "]";
  if (port != default_port(scheme)) out += ":" + std::to_string(port);
  return out;
}

std::string Endpoint::base_url() const {
  return (secure() ? "https://" : "http://") + authority() + path_prefix;
}

Endpoint parse_endpoint(std::string_view base) {
  Endpoint e;
  if (starts_with_ci(base, "https://")) {
    e.scheme = Scheme::https;
    base.remove_prefix(8);
  } else if (starts_with_ci(base, "http://")) {
    e.scheme = Scheme::http;
    base.remove_prefix(7);
  } else {
    fail("it must start with http:// or https://");
  }
  auto slash = base.find('/');
  std::string_view authority = base.substr(0, slash);
  if (authority.find_first_of("?#") != std::string_view::npos)
    fail("a query or fragment is not supported");
  parse_authority(authority, e);
  if (slash != std::string_view::npos) e.path_prefix = parse_path_prefix(base.substr(slash));
  return e;
}

}  // namespace catalog::notify
