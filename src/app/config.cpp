#include "app/config.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>

#include "pg/connection.hpp"

extern char** environ;

namespace catalog::app {

namespace {

std::string strip(std::string s) {
  const char* ws = " \t\r";
  s.erase(0, s.find_first_not_of(ws));
  s.erase(s.find_last_not_of(ws) + 1);
  return s;
}

std::optional<std::string> nonempty(const Environment& env, const std::string& key) {
  auto it = env.find(key);
  if (it == env.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// Digits only, the whole text: no sign, space, fraction or base prefix.
std::optional<uint64_t> whole_number(const std::string& text) {
  uint64_t value = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), value);
  if (r.ec != std::errc{} || r.ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

bool chat_id(const std::string& text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

bool webhook_secret(const std::string& text) {
  return !text.empty() && text.size() <= 256 && std::all_of(text.begin(), text.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-';
  });
}

// A refused value as it is quoted back: on one line, not too long, and with the
// credentials of a URL ("user:password@") hidden.
std::string shown(const std::string& value) {
  std::string v = value;
  if (auto scheme = v.find("://"); scheme != std::string::npos) {
    auto end = v.find_first_of("/?#", scheme + 3);
    auto at = v.rfind('@', end == std::string::npos ? v.size() : end);
    if (at != std::string::npos && at > scheme) v.replace(scheme + 3, at - scheme - 3, "***");
  }
  for (char& c : v) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (v.size() > 120) v = v.substr(0, 120) + "...";
  return pg::redacted(v);
}

// Messages a second: a positive number, at most a billion (a limit lifted).
double rate(const Environment& env, const std::string& name, double fallback) {
  auto it = env.find(name);
  if (it == env.end() || it->second.empty()) return fallback;
  double value = 0;
  const auto& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !(value > 0) || value > 1e9)
    throw ConfigError(name + "=" + shown(text) +
                      " is not a number of messages a second (more than 0, at most 1e9)");
  return value;
}

bool parse_bool(const std::string& key, const std::string& v) {
  std::string s;
  for (char c : v)
    s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
  if (s == "0" || s == "false" || s == "no" || s == "off" || s.empty()) return false;
  throw ConfigError(key + "=" + shown(v) + " is not a boolean (use 1 or 0)");
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

Environment parse_dotenv(const std::string& text) {
  Environment env;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    line = strip(line);
    if (line.empty() || line[0] == '#') continue;
    if (starts_with(line, "export ")) line = strip(line.substr(7));
    auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ConfigError(".env line " + std::to_string(number) + " is not KEY=VALUE");
    std::string key = strip(line.substr(0, eq));
    std::string value = strip(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (auto hash = value.find(" #"); hash != std::string::npos) {
      value = strip(value.substr(0, hash));
    }
    env[key] = value;
  }
  return env;
}

Environment gather_environment(const std::string& dotenv_path) {
  Environment env;
  std::ifstream file(dotenv_path);
  if (file) {
    std::stringstream text;
    text << file.rdbuf();
    env = parse_dotenv(text.str());
  }
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

std::string database_path_from_url(const std::string& url, std::string_view name) {
  for (std::string_view scheme : {"sqlite:///", "sqlite+aiosqlite:///", "sqlite+pysqlite:///"}) {
    if (!starts_with(url, scheme)) continue;
    std::string path = url.substr(scheme.size());
    if (path.empty())
      throw ConfigError(std::string(name) + "=" + shown(url) +
                        " names no database file (sqlite:///./catalog.db)");
    if (path.find('?') != std::string::npos)
      throw ConfigError(std::string(name) + "=" + shown(url) +
                        ": query parameters are not supported");
    if (path == ":memory:")
      throw ConfigError(std::string(name) + "=" + shown(url) +
                        ": an in-memory database would lose the event log");
    return path;  // "sqlite:////abs/x.db" leaves "/abs/x.db", as SQLAlchemy reads it
  }
  throw ConfigError(std::string(name) + "=" + shown(url) +
                    " is not supported: use sqlite:///PATH (e.g. sqlite:///./catalog.db) or "
                    "postgresql://USER:PASSWORD@HOST:PORT/DBNAME");
}

std::optional<std::string> postgres_url_from(const std::string& url, std::string_view name) {
  for (std::string_view scheme : {"postgresql://", "postgres://", "postgresql+psycopg://",
                                  "postgresql+psycopg2://", "postgresql+asyncpg://"}) {
    if (!starts_with(url, scheme)) continue;
    std::string libpq_url = "postgresql://" + url.substr(scheme.size());
    if (std::any_of(url.begin(), url.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
      throw ConfigError(std::string(name) + "=" + shown(url) + " contains a control character");
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(libpq_url.c_str(), &error);
    if (!options) {
      std::string why = error ? error : "out of memory";
      PQfreemem(error);
      while (!why.empty() && why.back() == '\n')
        why.pop_back();
      throw ConfigError(std::string(name) + "=" + shown(url) +
                        " is not a PostgreSQL URL libpq accepts: " + why);
    }
    PQconninfoFree(options);
    return libpq_url;
  }
  return std::nullopt;
}

void check_cluster_node(const Config& c) {
  if (!c.postgres_url) return;
  if (!c.node_url)
    throw ConfigError(
        "CATALOG_NODE_URL is not set: on PostgreSQL every node needs the URL at which the "
        "others reach it (e.g. http://10.0.0.5:8000)");
}

Config load_config(const Environment& env) {
  Config c;
  if (auto url = nonempty(env, "DATABASE_URL")) {
    c.postgres_url = postgres_url_from(*url);
    if (!c.postgres_url) c.database_path = database_path_from_url(*url);
  }
  if (auto path = nonempty(env, "CATALOG_READ_MODEL")) {
    c.read_model_path =
        starts_with(*path, "sqlite") ? database_path_from_url(*path, "CATALOG_READ_MODEL") : *path;
  }
  if (auto node = nonempty(env, "CATALOG_NODE_URL")) {
    std::string v = *node;
    while (v.size() > 7 && v.back() == '/')
      v.pop_back();
    auto colon = v.rfind(':');
    bool has_port = colon != std::string::npos && colon > 7 && whole_number(v.substr(colon + 1)) &&
                    *whole_number(v.substr(colon + 1)) > 0 &&
                    *whole_number(v.substr(colon + 1)) <= 65535;
    if (!starts_with(v, "http://") || !has_port || v.find('/', 7) != std::string::npos)
      throw ConfigError("CATALOG_NODE_URL=" + shown(*node) +
                        " is not http://HOST:PORT (the address other nodes reach this one at)");
    c.node_url = v;
  }
  if (auto host = nonempty(env, "HOST")) {
    c.host = *host == "localhost" ? "127.0.0.1" : *host;
    boost::system::error_code ec;
    boost::asio::ip::make_address(c.host, ec);
    if (ec)
      throw ConfigError("HOST=" + shown(*host) +
                        " is not an IP address (e.g. 127.0.0.1 or 0.0.0.0)");
  }
  if (auto port = nonempty(env, "PORT")) {
    auto value = whole_number(*port);
    if (!value || *value > 65535)
      throw ConfigError("PORT=" + shown(*port) + " is not a port number (0-65535)");
    c.port = static_cast<unsigned short>(*value);
  }
  c.telegram_bot_token = nonempty(env, "TELEGRAM_BOT_API_KEY");
  c.telegram_chat_id = nonempty(env, "TELEGRAM_USER_ID");
  // The bot alone serves whoever subscribes; a chat id alone has no bot to send with.
  if (c.telegram_chat_id && !c.telegram_bot_token)
    throw ConfigError(
        "TELEGRAM_USER_ID is set but TELEGRAM_BOT_API_KEY is not: the chat needs a bot");
  if (c.telegram_chat_id && !chat_id(*c.telegram_chat_id))
    throw ConfigError("TELEGRAM_USER_ID=" + shown(*c.telegram_chat_id) +
                      " is not a chat id (an integer, as Telegram gives it)");
  c.signing_key_file = nonempty(env, "CATALOG_SIGNING_KEY_FILE");
  c.telegram_webhook_secret = nonempty(env, "TELEGRAM_WEBHOOK_SECRET");
  if (c.telegram_webhook_secret && !webhook_secret(*c.telegram_webhook_secret))
    // The value is a secret: it is not repeated.
    throw ConfigError(
        "TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ and - "
        "(Telegram's rule for secret_token)");
  c.telegram_chat_rate = rate(env, "TELEGRAM_CHAT_RATE", c.telegram_chat_rate);
  c.telegram_global_rate = rate(env, "TELEGRAM_GLOBAL_RATE", c.telegram_global_rate);
  if (auto base = nonempty(env, "TELEGRAM_API_BASE")) {
    if (!starts_with(*base, "https://") && !starts_with(*base, "http://"))
      throw ConfigError("TELEGRAM_API_BASE=" + shown(*base) + " is not an http:// or https:// URL");
    c.telegram_api_base = *base;
    while (c.telegram_api_base.size() > 8 && c.telegram_api_base.back() == '/')
      c.telegram_api_base.pop_back();
  }
  c.api_token = nonempty(env, "CATALOG_API_TOKEN");
  if (auto cap = nonempty(env, "CATALOG_MAX_CONNECTIONS")) {
    auto value = whole_number(*cap);
    if (!value || *value < 1 || *value > 1000000)
      throw ConfigError("CATALOG_MAX_CONNECTIONS=" + shown(*cap) +
                        " is not a number from 1 to 1000000");
    c.max_connections = *value;
  }
  if (auto every = nonempty(env, "CATALOG_SNAPSHOT_EVERY")) {
    auto value = whole_number(*every);
    if (!value || *value > 1'000'000'000)
      throw ConfigError("CATALOG_SNAPSHOT_EVERY=" + shown(*every) +
                        " is not a number of events from 0 to 1000000000");
    c.snapshot_every = static_cast<int64_t>(*value);
  }
  if (auto echo = env.find("SQL_ECHO"); echo != env.end())
    c.sql_echo = parse_bool("SQL_ECHO", echo->second);
  return c;
}

}  // namespace catalog::app
