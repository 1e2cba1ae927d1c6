// The configuration as `catalog serve` meets it at start-up: a wrong value stops the server
// with one line naming the variable, `.env` in the working directory is read under the
// process environment, the FastAPI app's DATABASE_URL works, and a database that cannot be
// created or wrong arguments end cleanly.

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/http_client.hpp"
#include "support/launched_catalog.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A usable environment for `serve` in `dir`: its own database, any free port.
Env good_env(const TempDir& dir) {
  return {{"DATABASE_URL", database_url(dir.file("catalog.db"))}, {"PORT", "0"}};
}

// `serve` with `env` must stop at once: a non-zero exit, one line on stderr that names
// `variable` (and shows no secret), and no server.
void check_refused_at_start(const TempDir& dir, const Env& env, const std::string& variable) {
  LaunchedCatalog serve(dir.path(), {"serve"}, env);
  int code = serve.wait_exit();
  std::string err = serve.err();
  INFO("exit " << code << "\nstderr: " << err << "\nstdout: " << serve.out());
  CHECK(code > 0);
  CHECK(code < 128);  // an exit, not a crash
  CHECK(lines_of(err).size() == 1);
  CHECK(contains(err, variable));
  CHECK_FALSE(contains(err, "SECRET"));
  CHECK_FALSE(contains(err + serve.out(), "listening"));
}

void check_refused_at_start(const TempDir& dir, const std::string& variable,
                            const std::string& value) {
  Env env = good_env(dir);
  env[variable] = value;
  INFO(variable << "=" << value);
  check_refused_at_start(dir, env, variable);
}

}  // namespace

TEST_CASE("an unusable DATABASE_URL stops the server with one line naming it") {
  TempDir dir;
  for (const std::string url :
       {"postgresql://localhost/catalog?bad_parameter=1", "sqlite:///./x.db?mode=ro",
        "sqlite:///:memory:", "sqlite:///", "mysql://h/db"}) {
    check_refused_at_start(dir, "DATABASE_URL", url);
  }
}

TEST_CASE("a HOST that is not an address stops the server with one line naming it") {
  TempDir dir;
  for (const std::string host : {"not-a-host", "256.1.1.1", "127.0.0.1:80"})
    check_refused_at_start(dir, "HOST", host);
}

TEST_CASE("a PORT that is not 0 to 65535 stops the server with one line naming it") {
  TempDir dir;
  for (const std::string port : {"-1", "65536", "abc", "80x"})
    check_refused_at_start(dir, "PORT", port);
}

TEST_CASE("a Telegram chat without a bot, or a chat id that is no number, stops the server") {
  TempDir dir;
  Env env = good_env(dir);
  env["TELEGRAM_USER_ID"] = "42";
  check_refused_at_start(dir, env, "TELEGRAM_BOT_API_KEY");
  env["TELEGRAM_BOT_API_KEY"] = "123:SECRET";
  env["TELEGRAM_USER_ID"] = "@channel";
  check_refused_at_start(dir, env, "TELEGRAM_USER_ID");
  env["TELEGRAM_USER_ID"] = "42";
  env["TELEGRAM_GLOBAL_RATE"] = "0";
  check_refused_at_start(dir, env, "TELEGRAM_GLOBAL_RATE");
}

TEST_CASE("a TELEGRAM_API_BASE that is not http or https stops the server") {
  TempDir dir;
  Env env = good_env(dir);
  env["TELEGRAM_BOT_API_KEY"] = "123:SECRET";
  env["TELEGRAM_USER_ID"] = "42";
  env["CATALOG_API_TOKEN"] = "tok-SECRET";
  env["TELEGRAM_API_BASE"] = "ftp://api.telegram.org";
  check_refused_at_start(dir, env, "TELEGRAM_API_BASE");
}

TEST_CASE("an SQL_ECHO that is not a boolean stops the server, showing no secret") {
  TempDir dir;
  Env env = good_env(dir);
  env["CATALOG_API_TOKEN"] = "tok-SECRET";
  env["SQL_ECHO"] = "maybe";
  check_refused_at_start(dir, env, "SQL_ECHO");
}

TEST_CASE("a wrong value in .env stops the server just like one in the environment") {
  TempDir dir;
  std::ofstream(dir.file(".env")) << "PORT=80x\n";
  Env env{{"DATABASE_URL", database_url(dir.file("catalog.db"))}};
  check_refused_at_start(dir, env, "PORT");
}

TEST_CASE("a malformed .env line stops the server with one line naming it") {
  TempDir dir;
  std::ofstream(dir.file(".env")) << "# settings\nPORT=0\nthis line is wrong\n";
  LaunchedCatalog serve(dir.path(), {"serve"},
                        {{"DATABASE_URL", database_url(dir.file("catalog.db"))}});
  int code = serve.wait_exit();
  std::string err = serve.err();
  INFO("exit " << code << "\nstderr: " << err);
  CHECK(code > 0);
  CHECK(code < 128);
  CHECK(lines_of(err).size() == 1);
  CHECK(contains(err, ".env"));
  CHECK(contains(err, "3"));
  CHECK_FALSE(contains(err, "listening"));
}

TEST_CASE("a refused start-up leaves no database file behind") {
  TempDir dir;
  Env env = good_env(dir);
  env["PORT"] = "abc";
  LaunchedCatalog serve(dir.path(), {"serve"}, env);
  CHECK(serve.wait_exit() > 0);
  CHECK_FALSE(fs::exists(dir.file("catalog.db")));
}

TEST_CASE("PORT and DATABASE_URL are read from .env in the working directory") {
  TempDir dir;
  std::ofstream(dir.file(".env")) << "# the catalog's settings\n"
                                     "export PORT=0\n"
                                     "DATABASE_URL=\"sqlite:///./from-dotenv.db\"  \n"
                                     "SQL_ECHO=0 # quiet\n";
  LaunchedCatalog serve(dir.path(), {"serve"}, {});
  unsigned short port = serve.wait_listening();
  INFO(serve.err());
  REQUIRE(port != 0);
  CHECK(port != 8000);
  CHECK(http_post(port, "/tags/", {{"name", "from .env"}}).status == 201);
  CHECK(serve.stop() == 0);
  CHECK(fs::exists(dir.file("from-dotenv.db")));
  CHECK_FALSE(fs::exists(dir.file("catalog.db")));
}

TEST_CASE("the process environment wins over .env") {
  TempDir dir;
  // Were the .env values used, the server would refuse PORT or open the other database.
  std::ofstream(dir.file(".env")) << "PORT=not-a-port\n"
                                     "DATABASE_URL=sqlite:///./dotenv.db\n"
                                     "CATALOG_API_TOKEN=from-dotenv\n";
  LaunchedCatalog serve(dir.path(), {"serve"},
                        {{"PORT", "0"},
                         {"DATABASE_URL", "sqlite:///./environment.db"},
                         {"CATALOG_API_TOKEN", "from-environment"}});
  unsigned short port = serve.wait_listening();
  INFO(serve.err());
  REQUIRE(port != 0);
  CHECK(http_post(port, "/tags/", {{"name", "a"}}, {{"Authorization", "Bearer from-dotenv"}})
            .status == 401);
  CHECK(http_post(port, "/tags/", {{"name", "b"}}, {{"Authorization", "Bearer from-environment"}})
            .status == 201);
  CHECK(serve.stop() == 0);
  CHECK(fs::exists(dir.file("environment.db")));
  CHECK_FALSE(fs::exists(dir.file("dotenv.db")));
}

TEST_CASE("a .env variable the environment does not set is still read") {
  TempDir dir;
  std::ofstream(dir.file(".env")) << "CATALOG_API_TOKEN=dotenv-token\n";
  ServerProcess server(dir.path(), dir.file("catalog.db"));
  CHECK(http_post(server.port(), "/tags/", {{"name", "a"}}).status == 401);
  CHECK(http_post(server.port(), "/tags/", {{"name", "a"}},
                  {{"Authorization", "Bearer dotenv-token"}})
            .status == 201);
}

TEST_CASE("the FastAPI app's DATABASE_URL creates test.db in the working directory") {
  TempDir dir;
  LaunchedCatalog serve(dir.path(), {"serve"},
                        {{"PORT", "0"}, {"DATABASE_URL", "sqlite+aiosqlite:///./test.db"}});
  unsigned short port = serve.wait_listening();
  INFO(serve.err());
  REQUIRE(port != 0);
  CHECK(fs::exists(dir.file("test.db")));
  auto created = http_post(port, "/categories/", {{"name", "Гаджеты"}});
  CHECK(created.status == 201);
  CHECK(serve.stop() == 0);

  // The same file serves again: it is the database, not a copy.
  LaunchedCatalog again(dir.path(), {"serve"},
                        {{"PORT", "0"}, {"DATABASE_URL", "sqlite+aiosqlite:///./test.db"}});
  port = again.wait_listening();
  REQUIRE(port != 0);
  auto list = http_get(port, "/categories/").json();
  REQUIRE(list.size() == 1);
  CHECK(list[0]["name"] == "Гаджеты");
  CHECK(again.stop() == 0);
}

TEST_CASE("an absolute DATABASE_URL is used whatever the working directory") {
  TempDir dir, elsewhere;
  std::string db = dir.file("absolute.db");
  LaunchedCatalog serve(elsewhere.path(), {"serve"},
                        {{"PORT", "0"}, {"DATABASE_URL", "sqlite:///" + db}});
  REQUIRE(serve.wait_listening() != 0);
  CHECK(serve.stop() == 0);
  CHECK(fs::exists(db));
}

TEST_CASE("a database in a directory that does not exist stops the server with one line") {
  TempDir dir;
  Env env = good_env(dir);
  env["DATABASE_URL"] = "sqlite:///./no/such/dir/catalog.db";
  LaunchedCatalog serve(dir.path(), {"serve"}, env);
  int code = serve.wait_exit();
  std::string err = serve.err();
  INFO("exit " << code << "\nstderr: " << err);
  CHECK(code == 1);
  // The start-up log may come first; the error itself is one line that names the file.
  std::vector<std::string> errors;
  for (const auto& line : lines_of(err)) {
    if (!contains(line, "[info]")) errors.push_back(line);
  }
  REQUIRE(errors.size() == 1);
  CHECK(contains(errors[0], "no/such/dir/catalog.db"));
  CHECK_FALSE(contains(err, "listening"));
  CHECK_FALSE(fs::exists(dir.path() / "no"));
}

TEST_CASE("wrong arguments exit 2 with a usage line and start nothing") {
  TempDir dir;
  const std::vector<std::vector<std::string>> wrong{
      {"serve", "--bogus"}, {"serve", "extra"}, {"bogus"}, {"--port", "80"}, {"seed", "--bogus"}};
  for (const auto& args : wrong) {
    LaunchedCatalog run(dir.path(), args, good_env(dir));
    int code = run.wait_exit();
    std::string err = run.err();
    INFO("args: " << args[0] << (args.size() > 1 ? " " + args[1] : "") << "\nexit " << code
                  << "\nstderr: " << err);
    CHECK(code == 2);
    CHECK(contains(err, "usage"));
    CHECK_FALSE(contains(err, "listening"));
    CHECK_FALSE(fs::exists(dir.file("catalog.db")));
  }
}
