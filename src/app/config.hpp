// The service's configuration: environment variables, also read from `.env` in the working
// directory (the process environment wins), checked once at start-up.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace catalog::app {

// A configuration value that cannot be used; what() is one line naming the variable, and
// never contains a secret's value.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Config {
  // The SQLite file that holds the event log and the read model (DATABASE_URL=sqlite:///).
  std::string database_path = "./catalog.db";
  // Set when DATABASE_URL names PostgreSQL: the shared log of a cluster, as a libpq URL
  // (postgresql://...). The node's read model is then `read_model_path`.
  std::optional<std::string> postgres_url;
  std::string read_model_path = "./catalog-read.db";  // CATALOG_READ_MODEL
  // CATALOG_NODE_URL: where the other nodes reach this one; `catalog serve` on PostgreSQL
  // needs it (check_cluster_node).
  std::optional<std::string> node_url;
  std::string host = "127.0.0.1";
  unsigned short port = 8000;
  std::optional<std::string> telegram_bot_token;
  std::optional<std::string> telegram_chat_id;
  std::string telegram_api_base = "https://api.telegram.org";
  // Set: updates come to POST /telegram/webhook with this secret, and the bot does not poll.
  std::optional<std::string> telegram_webhook_secret;
  double telegram_chat_rate = 1;     // TELEGRAM_CHAT_RATE, messages a second to one chat
  double telegram_global_rate = 30;  // TELEGRAM_GLOBAL_RATE, in all
  std::optional<std::string> api_token;
  // CATALOG_SIGNING_KEY_FILE: the Ed25519 key (PEM PKCS#8) that signs tree heads. Unset: a
  // single node keeps one beside its database; a cluster node serves no signed heads.
  std::optional<std::string> signing_key_file;
  bool sql_echo = false;
  // Connections past this many are answered 503 and closed (CATALOG_MAX_CONNECTIONS).
  size_t max_connections = 10000;
  // CATALOG_SNAPSHOT_EVERY: events between write model snapshots written while serving (a
  // stop writes one too); 0 writes one only at a stop.
  int64_t snapshot_every = 1'000'000;
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
// `name` is what a refusal calls the value (the variable or option it came from).
std::string database_path_from_url(const std::string& url, std::string_view name = "DATABASE_URL");

// "postgresql+asyncpg://u@h/db" -> "postgresql://u@h/db" (also postgres://, postgresql://,
// postgresql+psycopg://, postgresql+psycopg2://); nullopt for a URL of another scheme.
// Throws ConfigError for a PostgreSQL URL libpq cannot read.
std::optional<std::string> postgres_url_from(const std::string& url,
                                             std::string_view name = "DATABASE_URL");

// What `catalog serve` needs on PostgreSQL beyond load_config: CATALOG_NODE_URL. Throws
// ConfigError naming the variable.
void check_cluster_node(const Config& config);

// The SQLite file a command works on: the database itself, or on PostgreSQL the node's
// read model.
inline const std::string& local_database(const Config& c) {
  return c.postgres_url ? c.read_model_path : c.database_path;
}

}  // namespace catalog::app
