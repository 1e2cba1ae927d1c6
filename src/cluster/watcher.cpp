#include "cluster/watcher.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "actors/fault_log.hpp"
#include "cluster/membership.hpp"

namespace catalog::cluster {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto beat_every = std::chrono::seconds(1);

// As the writer's session: a node that stops answering loses its URL lock within seconds,
// so that it can be started again (elsewhere, if its machine is lost).
constexpr const char* session_settings =
    "SET tcp_keepalives_idle = 1; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 2; "
    "SET tcp_user_timeout = 3000; LISTEN catalog_events; LISTEN catalog_writer";
// Only once the heartbeat runs: before, the node may spend a while copying the log.
constexpr const char* idle_limit = "SET idle_session_timeout = '5s'";

}  // namespace

Watcher::Watcher(std::string postgres_url, NodeState& node)
    : postgres_url_(std::move(postgres_url)), node_(node) {
  auto give_up = Clock::now() + std::chrono::seconds(8);
  for (;;) {
    try {
      open();
      break;
    } catch (const pg::Error&) {
      throw;
    } catch (const std::exception&) {
      // The URL is held: by a node still running, or by the session of one that was just
      // killed, which PostgreSQL ends within seconds.
      if (Clock::now() > give_up) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }
}

void Watcher::start(const projections::ReadPosition& position, std::function<void()> wake_tail) {
  position_ = &position;
  wake_tail_ = std::move(wake_tail);
  started_ = true;
  try {
    conn_->exec_script(idle_limit);
  } catch (const pg::Error&) {
    open();  // lost while the node was getting ready: the thread's loop would do the same
  }
  beat();
  node_.on_ask_for_writer([this] { asked_ = true; });
  thread_ = std::thread([this] { run(); });
}

Watcher::~Watcher() {
  node_.on_ask_for_writer({});
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void Watcher::open() {
  conn_.reset();
  auto conn = std::make_unique<pg::Connection>(pg::ConnectOptions{postgres_url_, "catalog-node"});
  conn->exec_script(session_settings);
  if (started_) conn->exec_script(idle_limit);
  if (!claim_url(*conn, node_.url()))
    throw std::runtime_error("CATALOG_NODE_URL=" + node_.url() +
                             " is already used by another running node: every node needs a URL "
                             "of its own");
  conn_ = std::move(conn);
}

void Watcher::look_for_writer() {
  if (node_.role() == Role::writer) {
    node_.set_writer_url(node_.url());
  } else {
    node_.set_writer_url(current_writer(*conn_));
  }
}

void Watcher::beat() {
  heartbeat(*conn_, node_.url(), node_.role(), position_->get(), node_.lock_pid());
  look_for_writer();
  node_.set_members(members(*conn_));
  node_.saw_head(log_head(*conn_));
}

void Watcher::run() {
  actors::FaultLog faults("cluster: the membership connection to PostgreSQL failed");
  auto next_beat = Clock::now() + beat_every;
  while (!stopping_) {
    try {
      if (!conn_ || !conn_->ok()) {
        open();
        faults.succeeded();
        next_beat = Clock::now();
      }
      auto now = Clock::now();
      if (now >= next_beat) {
        beat();
        next_beat = now + beat_every;
        wake_tail_();
      }
      if (asked_.exchange(false)) look_for_writer();
      auto wait =
          std::min<Clock::duration>(next_beat - Clock::now(), std::chrono::milliseconds(100));
      pollfd fd{conn_->socket(), POLLIN, 0};
      int ready = ::poll(
          &fd, 1,
          static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()));
      if (ready <= 0) continue;
      bool events = false, writer = false;
      for (auto& [channel, payload] : conn_->notifications()) {
        events = events || channel == "catalog_events";
        writer = writer || channel == "catalog_writer";
      }
      if (events) wake_tail_();
      if (writer) look_for_writer();
    } catch (const std::exception& ex) {
      faults.failed(ex.what());
      conn_.reset();
      node_.set_writer_url(std::nullopt);
      wake_tail_();  // the catalog finds out for itself whether the log can be read
      for (int i = 0; i < 10 && !stopping_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

}  // namespace catalog::cluster
