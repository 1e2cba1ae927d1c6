// Runs the real `catalog` binary for a test: `serve` on a free loopback port against a
// SQLite file in the test's own directory, and one-shot subcommands.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace catalog::testing {

using Env = std::map<std::string, std::string>;

class ServerProcess {
 public:
  // Starts `catalog serve` in `dir` with DATABASE_URL pointing at `db_path` and PORT=0,
  // and waits until it answers /health. Throws if it exits or does not answer in time.
  ServerProcess(const std::string& dir, const std::string& db_path, Env extra = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }
  // SIGTERM and wait; returns the exit status.
  int stop();
  // SIGKILL and wait: a crash.
  void kill9();
  // Starts again on the same database (after stop or kill9), on a new port.
  void restart();
  // Everything the server printed so far.
  std::string log() const;

 private:
  void start();
  std::string dir_;
  std::string db_path_;
  Env env_;
  std::string log_path_;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  int starts_ = 0;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `catalog <args...>` in `dir` with the given environment (plus PATH) and waits.
CommandResult run_catalog(const std::string& dir, const std::vector<std::string>& args,
                          const Env& env, const std::string& stdin_text = "");

// "sqlite:///<path>"
std::string database_url(const std::string& path);

// How many times `part` occurs in `text`: a line of a server's log(), counted.
size_t count_of(const std::string& text, const std::string& part);

}  // namespace catalog::testing
