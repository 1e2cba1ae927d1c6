// What one node of a cluster knows of its place in it, shared between the catalog actor
// (which wins and loses the writer lock and tails the log), the membership thread (which
// learns who the writer is) and the HTTP routes (/health, /cluster, forwarding).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace catalog::cluster {

enum class Role {
  catching_up,   // started, and the read model has not reached the head of the log yet
  follower,      // up to date; mutations go to the writer
  writer,        // holds the writer lock: decides and appends
  disconnected,  // PostgreSQL cannot be reached; reads go on from the read model
  forked,        // the log does not continue this node's chain: it stops and rebuilds
};

std::string_view role_name(Role role);

struct Member {
  std::string url;
  std::string role;
  int64_t position = 0;
  std::string seen_at;  // PostgreSQL's clock, ISO 8601
};

class NodeState {
 public:
  explicit NodeState(std::string url) : url_(std::move(url)) {}

  const std::string& url() const { return url_; }

  Role role() const { return role_.load(std::memory_order_acquire); }
  void set_role(Role role) { role_.store(role, std::memory_order_release); }

  // The highest head of the shared log this node has seen.
  int64_t log_head() const { return log_head_.load(std::memory_order_acquire); }
  void saw_head(int64_t position);

  // The writer's lease: when it last confirmed that its session holds the lock. The notifier
  // sends only while this is fresh, so a writer that was paused sends nothing on waking.
  void lease_confirmed();
  bool lease_fresh(std::chrono::milliseconds within) const;
  // The backend that holds the lock for this node (0: none), for the membership row.
  int lock_pid() const { return lock_pid_.load(std::memory_order_acquire); }
  void set_lock_pid(int pid) { lock_pid_.store(pid, std::memory_order_release); }

  // The URL of the node that holds the writer lock, as last learnt.
  std::optional<std::string> writer_url() const;
  void set_writer_url(std::optional<std::string> url);
  std::vector<Member> members() const;
  void set_members(std::vector<Member> members);

  // The log handed to this node does not continue the chain it holds: it must stop serving
  // and rebuild. The first reason sticks; `on_fork` is called once.
  void fork(const std::string& why);
  std::optional<std::string> fork_reason() const;
  void on_fork(std::function<void()> callback);

  // Wakes the membership thread to look for the writer now (after a failed forward).
  void ask_for_writer();
  void on_ask_for_writer(std::function<void()> callback);

 private:
  std::string url_;
  std::atomic<Role> role_{Role::catching_up};
  std::atomic<int64_t> log_head_{0};
  std::atomic<int64_t> lease_ok_ns_{0};
  std::atomic<int> lock_pid_{0};
  mutable std::mutex mutex_;
  std::optional<std::string> writer_url_;
  std::vector<Member> members_;
  std::optional<std::string> fork_reason_;
  std::function<void()> on_fork_;
  std::function<void()> ask_for_writer_;
};

}  // namespace catalog::cluster
