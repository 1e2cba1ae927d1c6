// Progress of a long command (replay, verify, copy-log) on stderr: a bar on a terminal, a
// line every tenth elsewhere (a log, a pipe).
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace catalog::app {

class Progress {
 public:
  explicit Progress(std::string verb) : verb_(std::move(verb)), tty_(isatty(STDERR_FILENO)) {}

  void operator()(int64_t done, int64_t total) {
    double seconds = elapsed();
    double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
    int percent = total > 0 ? static_cast<int>(100 * done / total) : 100;
    if (tty_) {
      constexpr int width = 30;
      int filled = width * percent / 100;
      std::fprintf(stderr, "\r%s [%s%s] %3d%% %lld/%lld events, %.0f events/s", verb_.c_str(),
                   std::string(filled, '#').c_str(), std::string(width - filled, '-').c_str(),
                   percent, static_cast<long long>(done), static_cast<long long>(total), rate);
      if (done >= total) std::fputc('\n', stderr);
    } else if (percent / 10 > last_decile_ || done >= total) {
      last_decile_ = percent / 10;
      std::fprintf(stderr, "%s: %lld/%lld events (%d%%), %.0f events/s\n", verb_.c_str(),
                   static_cast<long long>(done), static_cast<long long>(total), percent, rate);
    }
    std::fflush(stderr);
  }

  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::string verb_;
  bool tty_;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace catalog::app
