// The configuration of API.md: the .env file's syntax, every variable's default, the values
// each one accepts and refuses, and errors that are one line, name their variable and never
// show a secret.
#include "app/config.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using catalog::app::Config;
using catalog::app::ConfigError;
using catalog::app::Environment;
using catalog::app::load_config;
using catalog::app::parse_dotenv;

namespace {

// The message of the ConfigError that loading `env` throws; fails the test if none is thrown.
std::string config_error(const Environment& env) {
  try {
    load_config(env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("no ConfigError for a configuration that should be refused");
  return {};
}

std::string dotenv_error(const std::string& text) {
  try {
    parse_dotenv(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("no ConfigError for a .env text that should be refused");
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// What every refusal owes the operator: one line that names the variable at fault.
void check_refused(const Environment& env, const std::string& variable) {
  std::string message = config_error(env);
  INFO("message: " << message);
  CHECK(contains(message, variable));
  CHECK_FALSE(contains(message, "\n"));
  CHECK_FALSE(message.empty());
}

void check_refused(const std::string& variable, const std::string& value) {
  INFO(variable << "=" << value);
  check_refused(Environment{{variable, value}}, variable);
}

std::string database_path(const std::string& url) {
  return load_config({{"DATABASE_URL", url}}).database_path;
}

// Both secrets of the configuration, set, so a message about another variable could leak them.
Environment with_secrets(Environment env) {
  env.emplace("TELEGRAM_BOT_API_KEY", "123:SECRET");
  env.emplace("TELEGRAM_USER_ID", "42");
  env.emplace("CATALOG_API_TOKEN", "tok-SECRET");
  return env;
}

}  // namespace

TEST_CASE("a .env file skips comments and blank lines and reads KEY=VALUE", "[config]") {
  auto env = parse_dotenv(
      "# the catalog\n"
      "\n"
      "   \n"
      "DATABASE_URL=sqlite:///./catalog.db\n"
      "  # an indented comment\n"
      "PORT=8000\n");
  CHECK(env == Environment{{"DATABASE_URL", "sqlite:///./catalog.db"}, {"PORT", "8000"}});
}

TEST_CASE("a .env line may start with export", "[config]") {
  auto env = parse_dotenv("export HOST=0.0.0.0\nexport   PORT=9000\n");
  CHECK(env == Environment{{"HOST", "0.0.0.0"}, {"PORT", "9000"}});
}

TEST_CASE("quotes around a .env value are removed and keep what is inside", "[config]") {
  auto env = parse_dotenv(
      "A=\"double quoted\"\n"
      "B='single quoted'\n"
      "C=\"a # is not a comment in quotes\"\n"
      "D=\"\"\n");
  CHECK(env.at("A") == "double quoted");
  CHECK(env.at("B") == "single quoted");
  CHECK(env.at("C") == "a # is not a comment in quotes");
  CHECK(env.at("D").empty());
}

TEST_CASE("a comment after an unquoted .env value is not part of it", "[config]") {
  auto env = parse_dotenv("PORT=8000 # the default\nSQL_ECHO=1   # loud\nURL=http://x/#anchor\n");
  CHECK(env.at("PORT") == "8000");
  CHECK(env.at("SQL_ECHO") == "1");
  // Without a space before it, a # is part of the value.
  CHECK(env.at("URL") == "http://x/#anchor");
}

TEST_CASE("spaces around a .env key and value are trimmed, CRLF line ends too", "[config]") {
  auto env = parse_dotenv("  HOST = 127.0.0.1  \r\nPORT=0\r\n");
  CHECK(env == Environment{{"HOST", "127.0.0.1"}, {"PORT", "0"}});
}

TEST_CASE("a later .env line overrides an earlier one", "[config]") {
  CHECK(parse_dotenv("PORT=1\nPORT=2\n").at("PORT") == "2");
}

TEST_CASE("a malformed .env line is refused, naming its line number", "[config]") {
  for (const std::string bad : {"this is not a pair", "=value", "export"}) {
    std::string message = dotenv_error("# ok\nPORT=8000\n" + bad + "\nHOST=127.0.0.1\n");
    INFO(bad << " -> " << message);
    CHECK(contains(message, ".env"));
    CHECK(contains(message, "3"));
    CHECK_FALSE(contains(message, "\n"));
  }
}

TEST_CASE("a malformed .env line does not show its text, which may hold a secret", "[config]") {
  std::string message = dotenv_error("CATALOG_API_TOKEN tok-SECRET\n");
  INFO(message);
  CHECK(contains(message, "1"));
  CHECK_FALSE(contains(message, "SECRET"));
}

TEST_CASE("an empty environment gives the defaults of API.md", "[config]") {
  Config c = load_config({});
  CHECK(c.database_path == "./catalog.db");
  CHECK(c.host == "127.0.0.1");
  CHECK(c.port == 8000);
  CHECK_FALSE(c.telegram_bot_token.has_value());
  CHECK_FALSE(c.telegram_chat_id.has_value());
  CHECK(c.telegram_api_base == "https://api.telegram.org");
  CHECK_FALSE(c.api_token.has_value());
  CHECK_FALSE(c.sql_echo);
}

TEST_CASE("variables the catalog does not know are ignored", "[config]") {
  Config c = load_config({{"HOME", "/root"}, {"SOMETHING_ELSE", "!!"}});
  CHECK(c.port == 8000);
}

TEST_CASE("DATABASE_URL takes SQLAlchemy's sqlite forms, relative and absolute", "[config]") {
  CHECK(database_path("sqlite:///./x.db") == "./x.db");
  CHECK(database_path("sqlite:///x.db") == "x.db");
  CHECK(database_path("sqlite:///data/x.db") == "data/x.db");
  CHECK(database_path("sqlite:////abs/x.db") == "/abs/x.db");
  CHECK(database_path("sqlite:////tmp/catalog dir/x.db") == "/tmp/catalog dir/x.db");
}

TEST_CASE("DATABASE_URL takes the FastAPI app's sqlite+aiosqlite form", "[config]") {
  CHECK(database_path("sqlite+aiosqlite:///./test.db") == "./test.db");
  CHECK(database_path("sqlite+aiosqlite:////abs/test.db") == "/abs/test.db");
}

TEST_CASE("DATABASE_URL of another database than SQLite or PostgreSQL is refused", "[config]") {
  for (const std::string url : {"mysql://h/db", "http://example.com/x.db", "./catalog.db",
                                "catalog.db", "sqlite:/x.db", "sqlite:x.db", "postgresql:x"}) {
    check_refused("DATABASE_URL", url);
  }
}

TEST_CASE("DATABASE_URL names PostgreSQL in libpq's and SQLAlchemy's forms", "[config]") {
  auto postgres = [](const std::string& url) {
    return load_config({{"DATABASE_URL", url}}).postgres_url.value_or("(sqlite)");
  };
  CHECK(postgres("postgresql://u:p@db:5432/catalog") == "postgresql://u:p@db:5432/catalog");
  CHECK(postgres("postgres://u@db/catalog") == "postgresql://u@db/catalog");
  CHECK(postgres("postgresql+psycopg://u@db/catalog") == "postgresql://u@db/catalog");
  CHECK(postgres("postgresql+asyncpg://u@db/catalog") == "postgresql://u@db/catalog");
  // libpq parameters in the query string are passed on.
  CHECK(postgres("postgresql://u@db/catalog?sslmode=require") ==
        "postgresql://u@db/catalog?sslmode=require");
  CHECK(postgres("sqlite:///./x.db") == "(sqlite)");
  // A parameter libpq does not know, or a line break, is refused at start-up.
  check_refused("DATABASE_URL", "postgresql://u@db/catalog?no_such_parameter=1");
  check_refused("DATABASE_URL", "postgresql://u@db/catalog\nx");
}

TEST_CASE("a cluster node's read model and URL", "[config]") {
  auto c = load_config({{"DATABASE_URL", "postgresql://u@db/catalog"}});
  CHECK(c.read_model_path == "./catalog-read.db");
  CHECK(catalog::app::local_database(c) == "./catalog-read.db");
  CHECK_THROWS_WITH(catalog::app::check_cluster_node(c), Catch::Contains("CATALOG_NODE_URL"));
  c = load_config({{"DATABASE_URL", "postgresql://u@db/catalog"},
                   {"CATALOG_READ_MODEL", "sqlite:////var/lib/catalog/read.db"},
                   {"CATALOG_NODE_URL", "http://10.0.0.5:8000/"}});
  CHECK(c.read_model_path == "/var/lib/catalog/read.db");
  CHECK(c.node_url == "http://10.0.0.5:8000");
  CHECK_NOTHROW(catalog::app::check_cluster_node(c));
  for (const std::string url : {"10.0.0.5:8000", "https://a:1", "http://a", "http://a:0",
                                "http://a:99999", "http://a:80/path"})
    check_refused("CATALOG_NODE_URL", url);
  // A single SQLite node needs neither.
  CHECK_NOTHROW(catalog::app::check_cluster_node(load_config({})));
}

TEST_CASE("DATABASE_URL without a file, with a query or in memory is refused", "[config]") {
  for (const std::string url :
       {"sqlite:///", "sqlite+aiosqlite:///", "sqlite://", "sqlite:///./x.db?mode=ro",
        "sqlite:///./x.db?check_same_thread=false", "sqlite:///:memory:"}) {
    check_refused("DATABASE_URL", url);
  }
}

TEST_CASE("HOST takes an IPv4 or IPv6 address or localhost", "[config]") {
  CHECK(load_config({{"HOST", "0.0.0.0"}}).host == "0.0.0.0");
  CHECK(load_config({{"HOST", "127.0.0.1"}}).host == "127.0.0.1");
  CHECK(load_config({{"HOST", "::1"}}).host == "::1");
  std::string local = load_config({{"HOST", "localhost"}}).host;
  CHECK((local == "127.0.0.1" || local == "localhost"));
}

TEST_CASE("HOST that is not an address is refused", "[config]") {
  for (const std::string host : {"not a host", "256.0.0.1", "127.0.0.1:8000", "http://localhost",
                                 "1.2.3", "::g", "0.0.0.0 "}) {
    check_refused("HOST", host);
  }
}

TEST_CASE("PORT takes 0 to 65535", "[config]") {
  CHECK(load_config({{"PORT", "0"}}).port == 0);
  CHECK(load_config({{"PORT", "1"}}).port == 1);
  CHECK(load_config({{"PORT", "8080"}}).port == 8080);
  CHECK(load_config({{"PORT", "65535"}}).port == 65535);
}

TEST_CASE("PORT outside 0 to 65535 or not a number is refused", "[config]") {
  for (const std::string port :
       {"-1", "65536", "99999999999999999999", "abc", "80x", "x80", "8 0", "8.0", "+80", "0x50"}) {
    check_refused("PORT", port);
  }
}

TEST_CASE("the Telegram key and user id are taken together", "[config]") {
  Config c = load_config({{"TELEGRAM_BOT_API_KEY", "123:abc"}, {"TELEGRAM_USER_ID", "42"}});
  CHECK(c.telegram_bot_token == "123:abc");
  CHECK(c.telegram_chat_id == "42");
}

TEST_CASE("a Telegram user id without the key is refused, naming the key", "[config]") {
  std::string message = config_error({{"TELEGRAM_USER_ID", "42"}});
  INFO(message);
  CHECK(contains(message, "TELEGRAM_BOT_API_KEY"));
  CHECK_FALSE(contains(message, "\n"));
}

TEST_CASE("the Telegram key alone serves the bot's subscribers", "[config]") {
  Config c = load_config({{"TELEGRAM_BOT_API_KEY", "123:abc"}});
  CHECK(c.telegram_bot_token == "123:abc");
  CHECK_FALSE(c.telegram_chat_id);
  CHECK(c.telegram_chat_rate == 1);
  CHECK(c.telegram_global_rate == 30);
  CHECK_FALSE(c.telegram_webhook_secret);
}

TEST_CASE("a Telegram user id that is not an integer is refused", "[config]") {
  for (const std::string id : {"@channel", "12a", "1.5", " 42"}) {
    INFO(id);
    std::string message =
        config_error({{"TELEGRAM_BOT_API_KEY", "123:SECRET"}, {"TELEGRAM_USER_ID", id}});
    CHECK(contains(message, "TELEGRAM_USER_ID"));
    CHECK_FALSE(contains(message, "SECRET"));
  }
  CHECK(load_config({{"TELEGRAM_BOT_API_KEY", "1:a"}, {"TELEGRAM_USER_ID", "-1001234"}})
            .telegram_chat_id == "-1001234");
}

TEST_CASE("Telegram's rates are positive numbers of messages a second", "[config]") {
  Config c = load_config({{"TELEGRAM_BOT_API_KEY", "1:a"},
                          {"TELEGRAM_CHAT_RATE", "0.5"},
                          {"TELEGRAM_GLOBAL_RATE", "1000000"}});
  CHECK(c.telegram_chat_rate == 0.5);
  CHECK(c.telegram_global_rate == 1e6);
  for (const std::string name : {"TELEGRAM_CHAT_RATE", "TELEGRAM_GLOBAL_RATE"}) {
    for (const std::string bad : {"0", "-1", "abc", "1e10", "nan", "2x"}) {
      INFO(name << "=" << bad);
      CHECK(contains(config_error({{"TELEGRAM_BOT_API_KEY", "1:a"}, {name, bad}}), name));
    }
  }
}

TEST_CASE("a webhook secret outside Telegram's alphabet is refused without being repeated",
          "[config]") {
  CHECK(load_config({{"TELEGRAM_BOT_API_KEY", "1:a"}, {"TELEGRAM_WEBHOOK_SECRET", "Abc_12-x"}})
            .telegram_webhook_secret == "Abc_12-x");
  for (const std::string& bad :
       std::vector<std::string>{"has space-SECRETX", "semi;SECRETX", std::string(257, 'a')}) {
    std::string message =
        config_error({{"TELEGRAM_BOT_API_KEY", "1:a"}, {"TELEGRAM_WEBHOOK_SECRET", bad}});
    CHECK(contains(message, "TELEGRAM_WEBHOOK_SECRET"));
    CHECK_FALSE(contains(message, "SECRETX"));
  }
}

TEST_CASE("TELEGRAM_API_BASE takes an http or https URL", "[config]") {
  Environment env{{"TELEGRAM_BOT_API_KEY", "123:abc"}, {"TELEGRAM_USER_ID", "42"}};
  env["TELEGRAM_API_BASE"] = "http://127.0.0.1:9999";
  CHECK(load_config(env).telegram_api_base == "http://127.0.0.1:9999");
  env["TELEGRAM_API_BASE"] = "https://tg.example.com";
  CHECK(load_config(env).telegram_api_base == "https://tg.example.com");
}

TEST_CASE("TELEGRAM_API_BASE that is not an http or https URL is refused", "[config]") {
  for (const std::string base :
       {"ftp://api.telegram.org", "api.telegram.org", "file:///etc/passwd", "telegram"}) {
    INFO(base);
    check_refused(with_secrets({{"TELEGRAM_API_BASE", base}}), "TELEGRAM_API_BASE");
  }
}

TEST_CASE("SQL_ECHO takes 1, 0, true, false, yes and no", "[config]") {
  for (const std::string on : {"1", "true", "TRUE", "True", "yes", "YES"})
    CHECK(load_config({{"SQL_ECHO", on}}).sql_echo);
  for (const std::string off : {"0", "false", "FALSE", "no", "No"})
    CHECK_FALSE(load_config({{"SQL_ECHO", off}}).sql_echo);
}

TEST_CASE("SQL_ECHO that is not a boolean is refused", "[config]") {
  for (const std::string value : {"2", "maybe", "-1", "enable", "1 1"})
    check_refused("SQL_ECHO", value);
}

TEST_CASE("CATALOG_MAX_CONNECTIONS takes 1 to 1000000 and defaults to 10000", "[config]") {
  CHECK(load_config({}).max_connections == 10000);
  CHECK(load_config({{"CATALOG_MAX_CONNECTIONS", "1"}}).max_connections == 1);
  CHECK(load_config({{"CATALOG_MAX_CONNECTIONS", "1000000"}}).max_connections == 1000000);
}

TEST_CASE("CATALOG_MAX_CONNECTIONS outside 1 to 1000000 or not a number is refused", "[config]") {
  for (const std::string value : {"0", "-5", "1000001", "many", "10k", "1e4", " 10"})
    check_refused("CATALOG_MAX_CONNECTIONS", value);
}

TEST_CASE("CATALOG_SNAPSHOT_EVERY takes 0 to a billion events and defaults to a million",
          "[config]") {
  CHECK(load_config({}).snapshot_every == 1'000'000);
  CHECK(load_config({{"CATALOG_SNAPSHOT_EVERY", "0"}}).snapshot_every == 0);
  CHECK(load_config({{"CATALOG_SNAPSHOT_EVERY", "1000000000"}}).snapshot_every == 1'000'000'000);
}

TEST_CASE("CATALOG_SNAPSHOT_EVERY past a billion or not a number is refused", "[config]") {
  for (const std::string value : {"-1", "1000000001", "often", "1e6", " 5", "99999999999999999999"})
    check_refused("CATALOG_SNAPSHOT_EVERY", value);
}

TEST_CASE("CATALOG_API_TOKEN is taken as it is", "[config]") {
  CHECK(load_config({{"CATALOG_API_TOKEN", "tok-123_ABC.x"}}).api_token == "tok-123_ABC.x");
}

TEST_CASE("a refused variable's message never shows the secrets that are set", "[config]") {
  const std::vector<std::pair<std::string, std::string>> wrong{
      {"DATABASE_URL", "mysql://localhost/catalog"},
      {"DATABASE_URL", "postgresql://localhost/catalog?bad_parameter=1"},
      {"DATABASE_URL", "sqlite:///:memory:"},
      {"HOST", "nowhere"},
      {"PORT", "abc"},
      {"PORT", "65536"},
      {"TELEGRAM_API_BASE", "ftp://x"},
      {"SQL_ECHO", "maybe"},
      {"CATALOG_MAX_CONNECTIONS", "0"},
  };
  for (const auto& [variable, value] : wrong) {
    INFO(variable << "=" << value);
    check_refused(with_secrets({{variable, value}}), variable);
    CHECK_FALSE(contains(config_error(with_secrets({{variable, value}})), "SECRET"));
  }
}

TEST_CASE("a refused DATABASE_URL does not show the password it carries", "[config]") {
  // A FastAPI deployment's URL may name a server database with its credentials.
  for (const std::string url : {"mysql://catalog:SECRET@db/catalog",
                                "postgresql://catalog:SECRET@db/catalog?bad_parameter=1",
                                "postgresql://db/catalog?password=SECRET&bad_parameter=1"}) {
    std::string message = config_error({{"DATABASE_URL", url}});
    INFO(message);
    CHECK(contains(message, "DATABASE_URL"));
    CHECK_FALSE(contains(message, "SECRET"));
  }
}

TEST_CASE("a refused value with a line break still gives a one-line message", "[config]") {
  check_refused("PORT", "80\n80");
  check_refused("HOST", "127.0.0.1\nevil");
  check_refused("SQL_ECHO", "1\n0");
  check_refused("DATABASE_URL", "postgresql://h/db\nsecond line");
  check_refused(with_secrets({{"TELEGRAM_API_BASE", "ftp://x\ny"}}), "TELEGRAM_API_BASE");
}

TEST_CASE("the process environment wins over the .env file", "[config]") {
  auto dir =
      std::filesystem::temp_directory_path() / ("catalog-config-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto dotenv = (dir / ".env").string();
  std::ofstream(dotenv) << "CATALOG_CONFIG_TEST_BOTH=from-dotenv\n"
                           "CATALOG_CONFIG_TEST_FILE_ONLY=file\n";
  setenv("CATALOG_CONFIG_TEST_BOTH", "from-process", 1);
  auto env = catalog::app::gather_environment(dotenv);
  unsetenv("CATALOG_CONFIG_TEST_BOTH");
  std::filesystem::remove_all(dir);
  CHECK(env.at("CATALOG_CONFIG_TEST_BOTH") == "from-process");
  CHECK(env.at("CATALOG_CONFIG_TEST_FILE_ONLY") == "file");
}

TEST_CASE("a missing .env file leaves just the process environment", "[config]") {
  setenv("CATALOG_CONFIG_TEST_ONLY", "here", 1);
  auto env = catalog::app::gather_environment("/nonexistent-dir/.env");
  unsetenv("CATALOG_CONFIG_TEST_ONLY");
  CHECK(env.at("CATALOG_CONFIG_TEST_ONLY") == "here");
}
