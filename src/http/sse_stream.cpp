#include "http/sse_stream.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "events/event_store.hpp"
#include "http/json_render.hpp"

namespace catalog::http {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {

std::atomic<uint64_t> next_subscriber{1};

constexpr std::string_view head =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream; charset=utf-8\r\n"
    "Cache-Control: no-cache\r\n"
    "X-Accel-Buffering: no\r\n"
    "Connection: close\r\n"
    "\r\n";

}  // namespace

SseStream::SseStream(beast::tcp_stream stream, const Services& services, int64_t after,
                     std::shared_ptr<ConnectionCount> count, SseLimits limits)
    : stream_(std::move(stream)),
      services_(services),
      count_(std::move(count)),
      limits_(limits),
      id_(next_subscriber++),
      last_sent_(after),
      keep_alive_(stream_.get_executor()) {
  ++count_->connections;
}

SseStream::~SseStream() {
  --count_->connections;
  services_.live.unsubscribe(id_);
}

void SseStream::start() {
  pending_ = head;
  flush();
  // Subscribe first and read the log only once the hub confirms: whatever commits after
  // the confirmation arrives live, whatever committed before is in the log.
  auto ex = stream_.get_executor();
  std::weak_ptr<SseStream> weak = weak_from_this();
  services_.live.subscribe(
      id_,
      [weak, ex](EventBatch batch) {
        net::post(ex, [weak, batch = std::move(batch)] {
          if (auto self = weak.lock()) self->on_live(batch);
        });
      },
      [self = shared_from_this(), ex] { net::post(ex, [self] { self->on_subscribed(); }); });
  schedule_keep_alive();
  watch_for_close();
}

// The one read that stays pending: it keeps the stream alive while nothing is being
// written, and it ends when the client goes away. It uses the bare socket so that the
// write time-outs of the stream never cancel it.
void SseStream::watch_for_close() {
  stream_.socket().async_read_some(net::buffer(discard_),
                                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                     if (ec) return self->close();
                                     self->watch_for_close();
                                   });
}

void SseStream::on_subscribed() {
  subscribed_ = true;
  // While the head is being written, its completion starts the catch-up.
  if (writing_.empty()) catch_up();
}

// Reads one page of the log after what was sent; the next page is read once this one is
// written, so a long catch-up holds one page in memory and shares the io thread.
void SseStream::catch_up() {
  if (closed_) return;
  std::vector<events::RecordedEvent> page;
  try {
    events::EventStore store(services_.reads->get());
    page = store.read_after(last_sent_, limits_.catch_up_page);
  } catch (const std::exception& ex) {
    return drop(std::string("cannot read the log: ") + ex.what());
  }
  for (const auto& e : page)
    append(e);
  if (static_cast<int64_t>(page.size()) < limits_.catch_up_page) {
    // Caught up. Batches held meanwhile may overlap what the log gave: skip those.
    live_ = true;
    for (const auto& batch : held_) {
      for (const auto& e : *batch) {
        if (e.position > last_sent_) append(e);
      }
    }
    held_.clear();
    held_events_ = 0;
  }
  flush();
}

void SseStream::on_live(EventBatch batch) {
  if (closed_) return;
  if (!live_) {
    held_events_ += batch->size();
    held_.push_back(std::move(batch));
    if (held_events_ > limits_.max_backlog_events) drop("too slow to catch up with the log");
    return;
  }
  for (const auto& e : *batch) {
    if (e.position > last_sent_) append(e);
  }
  if (pending_.size() > limits_.max_backlog_bytes) return drop("too slow to read the events");
  flush();
}

void SseStream::append(const events::RecordedEvent& e) {
  pending_ += "id: ";
  pending_ += std::to_string(e.position);
  pending_ += "\ndata: ";
  pending_ += render(e);
  pending_ += "\n\n";
  last_sent_ = e.position;
}

void SseStream::flush() {
  if (closed_ || !writing_.empty() || pending_.empty()) return;
  writing_.swap(pending_);
  wrote_since_tick_ = true;
  stream_.expires_after(limits_.write_timeout);
  net::async_write(stream_, net::buffer(writing_),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     self->writing_.clear();
                     if (ec) return self->close();
                     if (!self->live_ && self->subscribed_ && self->pending_.empty())
                       return self->catch_up();
                     self->flush();
                   });
}

void SseStream::schedule_keep_alive() {
  keep_alive_.expires_after(limits_.keep_alive);
  keep_alive_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_) return;
    // A comment line keeps proxies and clients from timing the stream out.
    if (!self->wrote_since_tick_) {
      self->pending_ += ": keep-alive\n\n";
      self->flush();
    }
    self->wrote_since_tick_ = false;
    self->schedule_keep_alive();
  });
}

void SseStream::drop(const std::string& why) {
  beast::error_code ec;
  auto peer = stream_.socket().remote_endpoint(ec);
  spdlog::warn("event stream to {}:{} dropped at position {}: {}", peer.address().to_string(),
               peer.port(), last_sent_, why);
  close();
}

void SseStream::close() {
  if (closed_) return;
  closed_ = true;
  keep_alive_.cancel();
  held_.clear();
  pending_.clear();
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
}

}  // namespace catalog::http
