// Where the Bot API lives: the parts of a base URL such as "https://api.telegram.org" or
// "http://127.0.0.1:8081/prefix", checked once so a bad TELEGRAM_API_BASE fails at start-up.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace catalog::notify {

enum class Scheme { http, https };

struct Endpoint {
  Scheme scheme = Scheme::https;
  std::string host;  // without the brackets of an IPv6 literal, as the resolver and TLS want it
  std::uint16_t port = 443;
  std::string path_prefix;  // "" or "/a/b": no trailing slash, so "/bot..." can follow

  bool secure() const { return scheme == Scheme::https; }
  // host[:port] as the Host header and URLs spell it: the port only when not the default.
  std::string authority() const;
  // scheme://authority/prefix, the base URL in a normal form.
  std::string base_url() const;
};

// Throws std::invalid_argument for anything but http(s)://host[:port][/path]: no user info,
// query or fragment. The message describes the fault without echoing the value.
Endpoint parse_endpoint(std::string_view base);

}  // namespace catalog::notify
