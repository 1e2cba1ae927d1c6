// The service's configuration: environment variables, also read from `.env` in the working
// directory (the process environment wins), checked once at start-up.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace catalog::app {

// A configuration value that cannot be used; what() is one line naming the variable, and
// never contains a secret's value.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Config {
  std::string database_path = "./catalog.db";
  std::string host = "127.0.0.1";
  unsigned short port = 8000;
  std::optional<std::string> telegram_bot_token;
  std::optional<std::string> telegram_chat_id;
  std::string telegram_api_base = "https://api.telegram.org";
  std::optional<std::string> api_token;
  bool sql_echo = false;
  // Connections past this many are answered 503 and closed (CATALOG_MAX_CONNECTIONS).
  size_t max_connections = 10000;
};

using Environment = std::map<std::string, std::string>;

// Parses the text of a .env file: KEY=VALUE lines, `#` comments, optional `export` and
// quotes. Throws ConfigError for a line that is none of these.
Environment parse_dotenv(const std::string& text);

// The process environment over the .env file (if `dotenv_path` exists).
Environment gather_environment(const std::string& dotenv_path = ".env");

// Throws ConfigError for the first invalid value.
Config load_config(const Environment& env);

// "sqlite:///./catalog.db" -> "./catalog.db"; also the FastAPI app's "sqlite+aiosqlite://".
std::string database_path_from_url(const std::string& url);

}  // namespace catalog::app
