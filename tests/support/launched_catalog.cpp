#include "support/launched_catalog.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/http_client.hpp"

namespace catalog::testing {

namespace {

std::atomic<int> launched{0};

int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

LaunchedCatalog::LaunchedCatalog(const std::string& dir, const std::vector<std::string>& args,
                                 const Env& env) {
  std::string name =
      dir + "/launched-" + std::to_string(getpid()) + "-" + std::to_string(++launched);
  out_ = name + ".out";
  err_ = name + ".err";
  std::vector<std::string> argv_s{CATALOG_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  Env full = env;
  if (const char* path = getenv("PATH")) full.emplace("PATH", path);
  for (const char* keep : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
    if (const char* v = getenv(keep)) full.emplace(keep, v);
  }
  std::vector<std::string> env_s;
  for (const auto& [k, v] : full)
    env_s.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_s)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  // The test's own sockets (a PostgreSQL connection, a fake server) stay out of the child.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + std::string(CATALOG_BINARY));
}

LaunchedCatalog::~LaunchedCatalog() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

int LaunchedCatalog::wait_exit(std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return exit_code(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  return -1;
}

unsigned short LaunchedCatalog::wait_listening() {
  static const std::regex listening(R"(listening on http://[^:]+:(\d+))");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    std::string text = err();
    if (std::regex_search(text, m, listening)) {
      auto port = static_cast<unsigned short>(std::stoi(m[1]));
      while (std::chrono::steady_clock::now() < deadline) {
        try {
          if (http_get(port, "/health").status == 200) return port;
        } catch (const std::exception&) {
          // Not answering yet.
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      return 0;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

int LaunchedCatalog::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return exit_code(status);
}

}  // namespace catalog::testing
