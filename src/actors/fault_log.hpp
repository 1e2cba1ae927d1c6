// Logs a lasting fault once: one error line when it starts, one line when it clears, and
// a count of the failures in between, instead of a line per failed attempt.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <string>

namespace catalog::actors {

class FaultLog {
 public:
  explicit FaultLog(std::string what) : what_(std::move(what)) {}

  void failed(const std::string& why) {
    if (failures_++ == 0)
      spdlog::error("{}: {} (further failures are counted, not logged)", what_, why);
  }

  void succeeded() {
    if (failures_ == 0) return;
    spdlog::info("{}: working again after {} failed attempts", what_, failures_);
    // The end of an outage is news as much as its start (an error, written at once).
    spdlog::default_logger()->flush();
    failures_ = 0;
  }

  bool failing() const { return failures_ > 0; }

 private:
  std::string what_;
  int64_t failures_ = 0;
};

}  // namespace catalog::actors
