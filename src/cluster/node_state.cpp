#include "cluster/node_state.hpp"

namespace catalog::cluster {

namespace {

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::catching_up:
      return "catching-up";
    case Role::follower:
      return "follower";
    case Role::writer:
      return "writer";
    case Role::disconnected:
      return "disconnected";
    case Role::forked:
      return "forked";
  }
  return "unknown";
}

void NodeState::saw_head(int64_t position) {
  int64_t seen = log_head_.load(std::memory_order_relaxed);
  while (position > seen && !log_head_.compare_exchange_weak(seen, position)) {
  }
}

void NodeState::lease_confirmed() {
  lease_ok_ns_.store(steady_ns(), std::memory_order_release);
}

bool NodeState::lease_fresh(std::chrono::milliseconds within) const {
  if (role() != Role::writer) return false;
  int64_t ok = lease_ok_ns_.load(std::memory_order_acquire);
  return ok > 0 && steady_ns() - ok <= std::chrono::nanoseconds(within).count();
}

std::optional<std::string> NodeState::writer_url() const {
  std::lock_guard lock(mutex_);
  return writer_url_;
}

void NodeState::set_writer_url(std::optional<std::string> url) {
  std::lock_guard lock(mutex_);
  writer_url_ = std::move(url);
}

std::vector<Member> NodeState::members() const {
  std::lock_guard lock(mutex_);
  return members_;
}

void NodeState::set_members(std::vector<Member> members) {
  std::lock_guard lock(mutex_);
  members_ = std::move(members);
}

void NodeState::fork(const std::string& why) {
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex_);
    if (fork_reason_) return;
    fork_reason_ = why;
    callback = on_fork_;
  }
  set_role(Role::forked);
  if (callback) callback();
}

std::optional<std::string> NodeState::fork_reason() const {
  std::lock_guard lock(mutex_);
  return fork_reason_;
}

void NodeState::on_fork(std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  on_fork_ = std::move(callback);
}

void NodeState::ask_for_writer() {
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex_);
    callback = ask_for_writer_;
  }
  if (callback) callback();
}

void NodeState::on_ask_for_writer(std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  ask_for_writer_ = std::move(callback);
}

}  // namespace catalog::cluster
