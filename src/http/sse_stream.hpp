// A server-sent-events stream of the log (GET /events/stream): the events after a position
// read from the database, then live ones from the hub, with no gap and no duplicate across
// the switch. It owns its connection once the session hands it over.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "http/connection_count.hpp"
#include "http/services.hpp"

namespace catalog::http {

struct SseLimits {
  std::chrono::seconds keep_alive{15};
  std::chrono::seconds write_timeout{30};
  // A client that lets this much pile up is too slow to follow the log; it is dropped.
  std::size_t max_backlog_bytes = 8 * 1024 * 1024;
  std::size_t max_backlog_events = 100000;
  int64_t catch_up_page = 1000;
};

class SseStream : public std::enable_shared_from_this<SseStream> {
 public:
  SseStream(boost::beast::tcp_stream stream, const Services& services, int64_t after,
            std::shared_ptr<ConnectionCount> count, SseLimits limits = {});
  ~SseStream();
  void start();

 private:
  void watch_for_close();
  void on_subscribed();
  void catch_up();
  void on_live(EventBatch batch);
  void append(const events::RecordedEvent& e);
  void flush();
  void schedule_keep_alive();
  void drop(const std::string& why);
  void close();

  boost::beast::tcp_stream stream_;
  Services services_;
  std::shared_ptr<ConnectionCount> count_;
  SseLimits limits_;
  uint64_t id_;
  int64_t last_sent_;        // the position of the last event written (or the starting point)
  bool subscribed_ = false;  // the hub delivers every batch from now on
  bool live_ = false;        // caught up: live batches are written as they come
  bool closed_ = false;
  std::deque<EventBatch> held_;  // live batches that came during the catch-up
  std::size_t held_events_ = 0;
  std::string pending_;  // text waiting to be written
  std::string writing_;  // text being written
  bool wrote_since_tick_ = false;
  boost::asio::steady_timer keep_alive_;
  char discard_[512];  // what a client sends after its request means nothing here
};

}  // namespace catalog::http
