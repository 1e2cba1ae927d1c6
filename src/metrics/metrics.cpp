#include "metrics/metrics.hpp"

#include <cstdio>

namespace catalog::metrics {

namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const std::string& name, const std::string& labels, double value) {
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += ' ';
  out += number(value);
  out += '\n';
}

// Label values are route templates and methods of our own, but escaping keeps the format
// valid whatever they hold.
std::string label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

template <size_t N>
void Histogram<N>::observe(double value) {
  size_t i = 0;
  while (i < N && value > bounds_[i])
    ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<uint64_t>(value * 1e6), std::memory_order_relaxed);
}

template <size_t N>
void Histogram<N>::render(std::string& out, const std::string& name,
                          const std::string& labels) const {
  std::string prefix = labels.empty() ? "" : labels + ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= N; ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    std::string le = i < N ? number(bounds_[i]) : "+Inf";
    sample(out, name + "_bucket", prefix + "le=\"" + le + "\"", static_cast<double>(cumulative));
  }
  sample(out, name + "_sum", labels, static_cast<double>(sum_micro_.load()) / 1e6);
  sample(out, name + "_count", labels, static_cast<double>(cumulative));
}

template class Histogram<12>;
template class Histogram<10>;

void Metrics::request_done(std::string_view route, std::string_view method, int status,
                           double seconds) {
  {
    std::lock_guard lock(requests_mutex_);
    auto r = requests_.find(route);
    if (r == requests_.end())
      r = requests_.emplace(std::string(route), decltype(r->second){}).first;
    auto m = r->second.find(method);
    if (m == r->second.end())
      m = r->second.emplace(std::string(method), std::map<int, uint64_t>{}).first;
    ++m->second[status];
  }
  latency_.observe(seconds);
}

void Metrics::batch_committed(size_t commands, size_t events) {
  batches_.fetch_add(1, std::memory_order_relaxed);
  events_appended_.fetch_add(events, std::memory_order_relaxed);
  batch_commands_.observe(static_cast<double>(commands));
}

std::string Metrics::render(const Snapshot& p) const {
  std::string out;
  header(out, "catalog_http_requests_total", "counter",
         "HTTP requests answered, by route template, method and status.");
  {
    std::lock_guard lock(requests_mutex_);
    for (const auto& [route, methods] : requests_) {
      for (const auto& [method, statuses] : methods) {
        for (const auto& [status, count] : statuses) {
          sample(out, "catalog_http_requests_total",
                 "route=\"" + label_value(route) + "\",method=\"" + label_value(method) +
                     "\",status=\"" + std::to_string(status) + "\"",
                 static_cast<double>(count));
        }
      }
    }
  }
  header(out, "catalog_http_request_duration_seconds", "histogram",
         "Time from a request's last byte to its answer.");
  latency_.render(out, "catalog_http_request_duration_seconds");
  header(out, "catalog_http_open_connections", "gauge",
         "Open HTTP connections, event streams included.");
  sample(out, "catalog_http_open_connections", "", static_cast<double>(p.open_connections));
  header(out, "catalog_event_streams", "gauge", "Connected server-sent-event streams.");
  sample(out, "catalog_event_streams", "", static_cast<double>(event_streams.load()));
  header(out, "catalog_events_appended_total", "counter",
         "Events appended to the log by this process.");
  sample(out, "catalog_events_appended_total", "", static_cast<double>(events_appended_.load()));
  header(out, "catalog_commit_batches_total", "counter",
         "Group commits (one transaction, one fsync each).");
  sample(out, "catalog_commit_batches_total", "", static_cast<double>(batches_.load()));
  header(out, "catalog_commit_failures_total", "counter",
         "Group commits the database refused (answered 503).");
  sample(out, "catalog_commit_failures_total", "", static_cast<double>(commit_failures_.load()));
  header(out, "catalog_commit_batch_commands", "histogram",
         "Commands answered by one group commit.");
  batch_commands_.render(out, "catalog_commit_batch_commands");
  header(out, "catalog_event_log_position", "gauge", "The head of the event log.");
  sample(out, "catalog_event_log_position", "", static_cast<double>(p.head));
  header(out, "catalog_projection_lag_events", "gauge",
         "Events in the log not yet applied to the read model.");
  sample(out, "catalog_projection_lag_events", "", static_cast<double>(p.head - p.projection));
  header(out, "catalog_notifier_queue_events", "gauge",
         "The most changes waiting for one subscriber (-1: notifications off, or this node does "
         "not serve subscribers now).");
  sample(out, "catalog_notifier_queue_events", "",
         p.notifications ? static_cast<double>(subscriber_lag.load()) : -1.0);
  header(out, "catalog_telegram_subscribers", "gauge",
         "Chats subscribed to the bot (-1: notifications off, or not served by this node now).");
  sample(out, "catalog_telegram_subscribers", "",
         p.notifications ? static_cast<double>(subscribers.load()) : -1.0);
  header(out, "catalog_notifier_sent_total", "counter", "Messages Telegram accepted.");
  sample(out, "catalog_notifier_sent_total", "", static_cast<double>(notifications_sent_.load()));
  header(out, "catalog_notifier_retries_total", "counter",
         "Sends retried after a network error, a 5xx or a 429.");
  sample(out, "catalog_notifier_retries_total", "",
         static_cast<double>(notification_retries_.load()));
  header(out, "catalog_notifier_failures_total", "counter",
         "Messages skipped after a permanent refusal (bad chat id or token).");
  sample(out, "catalog_notifier_failures_total", "",
         static_cast<double>(notification_failures_.load()));
  header(out, "catalog_notifier_route_seconds", "histogram",
         "Routing one change to its subscribers (follow index, facts, alerts).");
  route_.render(out, "catalog_notifier_route_seconds");
  header(out, "catalog_notifier_render_seconds", "histogram",
         "Writing one change's message text (reads the log for the state around it).");
  render_.render(out, "catalog_notifier_render_seconds");
  header(out, "catalog_notifier_failures_by_status_total", "counter",
         "Messages Telegram did not accept, by HTTP status (0: no answer).");
  {
    std::lock_guard lock(failures_mutex_);
    for (const auto& [status, count] : failures_by_status_)
      sample(out, "catalog_notifier_failures_by_status_total",
             "status=\"" + std::to_string(status) + "\"", static_cast<double>(count));
  }
  return out;
}

void Metrics::notification_failed(int status, bool permanent) {
  (permanent ? notification_failures_ : notification_retries_)
      .fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(failures_mutex_);
  ++failures_by_status_[status];
}

}  // namespace catalog::metrics
