// Disk and database faults: a full disk (RLIMIT_FSIZE), a database locked by another
// process, a read-only database file and a corrupt one. Writes get 503 with a clear body and
// are never acknowledged, reads keep being served, the fault is logged once, and the service
// recovers when the fault goes.
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <thread>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace catalog::testing;
using nlohmann::json;

namespace {

constexpr uid_t nobody = 65534;

// `catalog serve` with its log on a pipe: a file-size limit on the server must not stop
// its log from reaching the test. Optionally run as another user (for permissions that root
// would ignore).
class PipedServer {
 public:
  PipedServer(const std::string& dir, const std::string& db, std::optional<uid_t> user = {}) {
    std::vector<std::string> env_s{"DATABASE_URL=" + database_url(db), "PORT=0",
                                   std::string("PATH=") + getenv("PATH")};
    for (const char* keep : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
      if (const char* v = getenv(keep)) env_s.push_back(std::string(keep) + "=" + v);
    }
    std::vector<char*> envp;
    for (auto& e : env_s)
      envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string binary = CATALOG_BINARY, serve = "serve";
    char* argv[] = {binary.data(), serve.data(), nullptr};
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      // Only async-signal-safe calls between fork and exec.
      dup2(fds[1], 1);
      dup2(fds[1], 2);
      if (chdir(dir.c_str()) != 0) _exit(126);
      if (user && (setgid(*user) != 0 || setuid(*user) != 0)) _exit(126);
      execve(argv[0], argv, envp.data());
      _exit(127);
    }
    close(fds[1]);
    fd_ = fds[0];
    reader_ = std::thread([this] {
      char buf[4096];
      ssize_t n;
      while ((n = read(fd_, buf, sizeof buf)) > 0) {
        std::lock_guard lock(mu_);
        log_.append(buf, static_cast<size_t>(n));
      }
    });
    static const std::regex listening(R"(listening on http://[^:]+:(\d+))");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch m;
      std::string text = log();
      if (std::regex_search(text, m, listening)) {
        port_ = static_cast<unsigned short>(std::stoi(m[1]));
        return;
      }
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("catalog serve exited during start-up:\n" << text);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL("catalog serve did not start:\n" << log());
  }

  ~PipedServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status;
      waitpid(pid_, &status, 0);
    }
    if (reader_.joinable()) reader_.join();
    close(fd_);
  }

  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string log() {
    std::lock_guard lock(mu_);
    return log_;
  }
  // The log once it holds `part`, or after 5 s: a thread reads the server's pipe, and on a
  // loaded machine it may not have read the line yet when the answer has arrived.
  std::string log_with(const std::string& part) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::string text = log();
    while (text.find(part) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      text = log();
    }
    return text;
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::thread reader_;
  std::mutex mu_;
  std::string log_;
};

int64_t head(unsigned short port) {
  return http_get(port, "/health").json()["position"].get<int64_t>();
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

// The soft limit on the size of any file the server writes; the hard limit stays, so it can
// be raised again.
void limit_file_size(pid_t pid, rlim_t bytes) {
  rlimit limit{bytes, RLIM_INFINITY};
  REQUIRE(prlimit(pid, RLIMIT_FSIZE, &limit, nullptr) == 0);
}

void chown_tree(const std::filesystem::path& dir, uid_t user) {
  REQUIRE(chown(dir.c_str(), user, user) == 0);
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    REQUIRE(chown(entry.path().c_str(), user, user) == 0);
}

}  // namespace

TEST_CASE("a full disk refuses writes with 503, keeps serving reads, and recovers", "[faults]") {
  TempDir dir;
  PipedServer server(dir.path(), dir.file("catalog.db"));
  auto port = server.port();
  REQUIRE(http_post(port, "/categories/", {{"name", "Гаджеты"}}).status == 201);
  int64_t before = head(port);

  // Nothing may be written past 4 KiB: the log's next frame does not fit.
  limit_file_size(server.pid(), 4096);
  for (int i = 0; i < 3; ++i) {
    auto refused = http_post(port, "/tags/", {{"name", "refused-" + std::to_string(i)}});
    CHECK(refused.status == 503);
    CHECK_THAT(refused.json()["detail"].get<std::string>(),
               Catch::Contains("could not be recorded"));
  }
  CHECK(http_get(port, "/categories/").json().size() == 1);
  CHECK(http_get(port, "/health").status == 200);
  CHECK(head(port) == before);
  CHECK(count(server.log(), "further failures are counted") == 1);

  limit_file_size(server.pid(), RLIM_INFINITY);
  auto accepted = http_post(port, "/tags/", {{"name", "after the fault"}});
  CHECK(accepted.status == 201);
  auto tags = http_get(port, "/tags/").json();
  REQUIRE(tags.size() == 1);
  CHECK(tags[0]["name"] == "after the fault");
  CHECK(head(port) == before + 1);
  CHECK(count(server.log_with("working again"), "working again") >= 1);
  CHECK(http_get(port, "/audit/verify").json()["ok"] == true);
}

TEST_CASE("a database locked by another process refuses writes, serves reads, then recovers",
          "[faults]") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  PipedServer server(dir.path(), db);
  auto port = server.port();
  REQUIRE(http_post(port, "/categories/", {{"name", "Еда"}}).status == 201);
  int64_t before = head(port);

  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
  auto refused = http_post(port, "/tags/", {{"name", "while locked"}});
  CHECK(refused.status == 503);
  CHECK(http_get(port, "/categories/").json().size() == 1);
  CHECK(head(port) == before);
  sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(other);

  CHECK(http_post(port, "/tags/", {{"name", "after the lock"}}).status == 201);
  auto tags = http_get(port, "/tags/").json();
  REQUIRE(tags.size() == 1);
  CHECK(tags[0]["name"] == "after the lock");
  CHECK(count(server.log(), "further failures are counted") == 1);
  CHECK(count(server.log_with("working again"), "working again") == 1);
}

TEST_CASE("a read-only database file is served, refuses writes, and is written once writable",
          "[faults]") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  {
    ServerProcess first(dir.path(), db);
    REQUIRE(http_post(first.port(), "/categories/", {{"name", "Гаджеты"}}).status == 201);
  }
  // Root may write any file: the server runs as nobody for the permissions to count.
  std::optional<uid_t> user;
  if (geteuid() == 0) {
    user = nobody;
    chown_tree(dir.path(), nobody);
  }
  auto set_mode = [&](mode_t mode) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::string file = db + suffix;
      if (std::filesystem::exists(file)) REQUIRE(chmod(file.c_str(), mode) == 0);
    }
  };
  set_mode(0444);
  {
    PipedServer server(dir.path(), db, user);
    auto port = server.port();
    int64_t before = head(port);
    CHECK(http_get(port, "/categories/").json().size() == 1);
    for (int i = 0; i < 3; ++i) {
      auto refused = http_post(port, "/tags/", {{"name", "read-only"}});
      CHECK(refused.status == 503);
      CHECK_THAT(refused.json()["detail"].get<std::string>(),
                 Catch::Contains("could not be recorded"));
    }
    CHECK(http_get(port, "/tags/").json().empty());
    CHECK(head(port) == before);
    CHECK(count(server.log(), "further failures are counted") == 1);
  }
  // SQLite creates its shared-memory index with the database file's mode, and a process
  // keeps that index as it found it: once the files are writable, a restart writes again.
  set_mode(0644);
  PipedServer server(dir.path(), db, user);
  CHECK(http_post(server.port(), "/tags/", {{"name", "writable again"}}).status == 201);
  CHECK(http_get(server.port(), "/tags/").json().size() == 1);
  CHECK(http_get(server.port(), "/audit/verify").json()["ok"] == true);
}

TEST_CASE("a corrupt database file stops start-up with one clear line", "[faults]") {
  TempDir dir;
  std::string db = dir.file("catalog.db");
  {
    ServerProcess first(dir.path(), db);
    REQUIRE(http_post(first.port(), "/categories/", {{"name", "x"}}).status == 201);
  }
  {
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    std::string garbage(100, '\x5a');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  for (std::vector<std::string> args : {std::vector<std::string>{"serve"}, {"verify"}}) {
    INFO(args[0]);
    auto r = run_catalog(dir.path(), args, {{"DATABASE_URL", database_url(db)}, {"PORT", "0"}});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("not a database"));
    CHECK(r.err.find("listening") == std::string::npos);
  }
}
