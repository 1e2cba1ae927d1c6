// `catalog <args>` as a process of its own, for the tests of what the binary does when it
// starts (refusals, migrations, one line naming what is wrong): stdout and stderr kept
// apart, exactly the given environment, and never a wait for good — a server that wrongly
// started is stopped.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/server_process.hpp"

namespace catalog::testing {

// The whole text of a file ("" when there is none).
std::string read_text(const std::string& path);

class LaunchedCatalog {
 public:
  // Starts `catalog <args>` in `dir` with `env` plus PATH and the sanitizers' options.
  LaunchedCatalog(const std::string& dir, const std::vector<std::string>& args, const Env& env);
  ~LaunchedCatalog();  // SIGKILL, if it still runs
  LaunchedCatalog(const LaunchedCatalog&) = delete;
  LaunchedCatalog& operator=(const LaunchedCatalog&) = delete;

  // The exit status once the process ends by itself within `limit` (128 + the signal if one
  // ended it); if it is still running then (a server that started), it is stopped and -1
  // returned.
  int wait_exit(std::chrono::seconds limit = std::chrono::seconds(20));
  // The port of the "listening on" line once /health answers 200 there; 0 if the process
  // ends or says nothing within a minute.
  unsigned short wait_listening();
  // SIGTERM and wait; the exit status.
  int stop();

  std::string out() const { return read_text(out_); }
  std::string err() const { return read_text(err_); }

 private:
  std::string out_, err_;
  pid_t pid_ = -1;
};

}  // namespace catalog::testing
