// The thread that keeps a cluster node in touch with the others, on a connection of its own:
// it holds the lock on the node's URL (two live nodes cannot share one), writes the node's
// heartbeat row once a second, learns which node holds the writer lock, and wakes the
// catalog to read the log when the writer's commit notifies it (LISTEN catalog_events) and
// once a second regardless, so a lost notification or a half-open socket loses nothing.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "cluster/node_state.hpp"
#include "pg/connection.hpp"
#include "projections/read_position.hpp"

namespace catalog::cluster {

class Watcher {
 public:
  // Connects and claims the node's URL, waiting a few seconds for the session of a node
  // that just stopped to end; throws std::runtime_error when another live node holds the
  // URL, and pg::Error when PostgreSQL cannot be reached.
  Watcher(std::string postgres_url, NodeState& node);
  ~Watcher();
  // Starts the thread: heartbeats name `position`, and `wake_tail` tells the catalog to read.
  void start(const projections::ReadPosition& position, std::function<void()> wake_tail);
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

 private:
  void run();
  void open();  // connects, LISTENs and claims the URL
  void beat();
  void look_for_writer();

  std::string postgres_url_;
  NodeState& node_;
  const projections::ReadPosition* position_ = nullptr;
  std::function<void()> wake_tail_;
  std::unique_ptr<pg::Connection> conn_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> asked_{false};
  bool started_ = false;
  std::thread thread_;
};

}  // namespace catalog::cluster
