// The service's Prometheus metrics: counters and histograms that any thread updates without
// locks on the hot path, rendered in the text exposition format by GET /metrics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace catalog::metrics {

// A histogram with fixed upper bounds; observing is a few relaxed atomic adds.
template <size_t N>
class Histogram {
 public:
  explicit constexpr Histogram(std::array<double, N> bounds) : bounds_(bounds) {}
  void observe(double value);
  // Appends the _bucket, _sum and _count lines of `name` (with `labels`, may be empty).
  void render(std::string& out, const std::string& name, const std::string& labels = "") const;

 private:
  std::array<double, N> bounds_;
  std::array<std::atomic<uint64_t>, N + 1> counts_{};  // the last one is +Inf
  std::atomic<uint64_t> sum_micro_{0};                 // the sum, in millionths
};

class Metrics {
 public:
  // One answered HTTP request: its route template (or "unmatched"), method and status.
  void request_done(std::string_view route, std::string_view method, int status, double seconds);
  // One group commit: how many commands it answered and how many events it appended.
  void batch_committed(size_t commands, size_t events);
  void commit_failed() { commit_failures_.fetch_add(1, std::memory_order_relaxed); }

  // The notifier's progress.
  void notification_sent() { notifications_sent_.fetch_add(1, std::memory_order_relaxed); }
  // A message Telegram did not accept: `status` 0 when there was no answer. Permanent: it
  // was skipped or its chat forgotten; otherwise it is sent again.
  void notification_failed(int status, bool permanent);

  // One change routed to its subscribers: the routing itself (facts, follow index, alerts)
  // and rendering its text, apart.
  void change_routed(double route_seconds, double render_seconds) {
    route_.observe(route_seconds);
    render_.observe(render_seconds);
  }

  // The bot's subscribers and the most changes waiting for one of them; -1 while this node
  // does not serve them.
  std::atomic<int64_t> subscribers{-1};
  std::atomic<int64_t> subscriber_lag{-1};

  std::atomic<int64_t> event_streams{0};

  // Gauges read when scraped, from the database and the server.
  struct Snapshot {
    int64_t head = 0;
    int64_t projection = 0;
    bool notifications = false;
    int64_t open_connections = 0;
  };
  std::string render(const Snapshot& snapshot) const;

 private:
  mutable std::mutex requests_mutex_;
  // route -> method -> status -> count; looked up by string_view, so counting a request
  // allocates nothing once its route, method and status have been seen.
  std::map<std::string, std::map<std::string, std::map<int, uint64_t>, std::less<>>, std::less<>>
      requests_;
  Histogram<12> latency_{{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}};
  Histogram<10> batch_commands_{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}};
  static constexpr std::array<double, 12> micro_bounds{1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5,
                                                       1e-4, 2e-4, 5e-4, 1e-3, 1e-2, 1e-1};
  Histogram<12> route_{micro_bounds};
  Histogram<12> render_{micro_bounds};
  std::atomic<uint64_t> events_appended_{0};
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> commit_failures_{0};
  std::atomic<uint64_t> notifications_sent_{0};
  std::atomic<uint64_t> notification_retries_{0};
  std::atomic<uint64_t> notification_failures_{0};
  mutable std::mutex failures_mutex_;
  std::map<int, uint64_t> failures_by_status_;
};

}  // namespace catalog::metrics
