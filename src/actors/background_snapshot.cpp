#include "actors/background_snapshot.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "events/write_model_snapshot.hpp"

namespace catalog::actors {

void BackgroundSnapshot::start(const std::string& path, events::WriteModel model,
                               const events::Head& head, events::Millis last_recorded_at,
                               std::chrono::steady_clock::duration copied_in) {
  if (running()) return;
  wait();
  done_.store(false, std::memory_order_relaxed);
  saved_.reset();
  double copy_ms = std::chrono::duration<double, std::milli>(copied_in).count();
  thread_ = std::thread([this, path, model = std::move(model), head, last_recorded_at, copy_ms] {
    auto started = std::chrono::steady_clock::now();
    try {
      events::save_snapshot(path, model, head, last_recorded_at);
      saved_ = head.position;
      spdlog::info(
          "catalog: write model saved to {} at position {} in {:.2f} s, in the background "
          "(copied in {:.1f} ms)",
          path, head.position,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
          copy_ms);
    } catch (const std::exception& ex) {
      spdlog::warn("catalog: {}; the background snapshot is tried again later", ex.what());
    }
    done_.store(true, std::memory_order_release);
  });
}

std::optional<int64_t> BackgroundSnapshot::collect() {
  if (thread_.joinable()) {
    if (!done_.load(std::memory_order_acquire)) return std::nullopt;
    thread_.join();
  }
  return std::exchange(saved_, std::nullopt);
}

void BackgroundSnapshot::wait() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace catalog::actors
