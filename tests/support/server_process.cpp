#include "support/server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/http_client.hpp"

namespace catalog::testing {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Starts the binary with exactly this environment, stdout and stderr into files, stdin
// from a file (or /dev/null).
pid_t spawn(const std::string& dir, const std::vector<std::string>& args, const Env& env,
            const std::string& out_path, const std::string& err_path, const std::string& in_path) {
  std::vector<std::string> argv_s{CATALOG_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  Env full = env;
  if (const char* path = getenv("PATH")) full.emplace("PATH", path);
  for (const char* keep : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
    if (const char* v = getenv(keep)) full.emplace(keep, v);
  }
  for (const auto& [k, v] : full)
    env_s.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_s)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  // The test's own sockets (a fake Bot API listening) must not stay open in the server.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + std::string(CATALOG_BINARY));
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace

std::string database_url(const std::string& path) {
  return "sqlite:///" + path;
}

ServerProcess::ServerProcess(const std::string& dir, const std::string& db_path, Env extra)
    : dir_(dir), db_path_(db_path), env_(std::move(extra)), log_path_(dir + "/server.log") {
  env_.emplace("DATABASE_URL", database_url(db_path_));
  env_.emplace("PORT", "0");
  start();
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) stop();
}

void ServerProcess::start() {
  std::string before = read_file(log_path_);
  pid_ = spawn(dir_, {"serve"}, env_, log_path_, log_path_, "/dev/null");
  ++starts_;
  // The server writes the port it bound (PORT=0) in its "listening on" line.
  static const std::regex listening(R"(listening on http://[^:]+:(\d+))");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = read_file(log_path_).substr(before.size());
    std::smatch m;
    if (std::regex_search(text, m, listening)) {
      port_ = static_cast<unsigned short>(std::stoi(m[1]));
      break;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("catalog serve exited during start-up:\n" + text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (port_ == 0) throw std::runtime_error("catalog serve did not start:\n" + log());
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (http_get(port_, "/health").status == 200) return;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("catalog serve does not answer /health:\n" + log());
}

int ServerProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int code = wait_exit(pid_);
  pid_ = -1;
  return code;
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  wait_exit(pid_);
  pid_ = -1;
}

void ServerProcess::restart() {
  if (pid_ > 0) stop();
  port_ = 0;
  start();
}

std::string ServerProcess::log() const {
  return read_file(log_path_);
}

CommandResult run_catalog(const std::string& dir, const std::vector<std::string>& args,
                          const Env& env, const std::string& stdin_text) {
  static int counter = 0;
  std::string base = dir + "/cmd-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
  std::string in = base + ".in", out = base + ".out", err = base + ".err";
  std::ofstream(in) << stdin_text;
  pid_t pid = spawn(dir, args, env, out, err, in);
  CommandResult r;
  r.exit_code = wait_exit(pid);
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

size_t count_of(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++n;
  return n;
}

}  // namespace catalog::testing
