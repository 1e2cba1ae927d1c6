#include "app/buffered_log.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

namespace catalog::app {

namespace {

constexpr size_t write_at = 64 * 1024;

class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  BufferedStderrSink() { buffer_.reserve(2 * write_at); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    buffer_.append(formatted.data(), formatted.size());
    if (buffer_.size() >= write_at) flush_();
  }

  void flush_() override {
    size_t done = 0;
    while (done < buffer_.size()) {
      ssize_t n = ::write(STDERR_FILENO, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      // A closed or full stderr must not stop the server; its lines are lost.
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    buffer_.clear();
  }

 private:
  std::string buffer_;
};

}  // namespace

void use_buffered_log() {
  spdlog::default_logger()->flush();
  spdlog::drop_all();
  auto logger = std::make_shared<spdlog::logger>("catalog", std::make_shared<BufferedStderrSink>());
  // Registered, it takes the pattern and level set for every logger.
  spdlog::initialize_logger(logger);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
}

void flush_log() {
  spdlog::default_logger()->flush();
}

}  // namespace catalog::app
