// What the route handlers use of the rest of the service: a way to hand a command to the
// catalog actor and the read connections. Tests can fill it with fakes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/thread_connections.hpp"
#include "events/command.hpp"
#include "events/command_result.hpp"
#include "events/recorded_event.hpp"
#include "http/connection_count.hpp"
#include "metrics/metrics.hpp"
#include "notify/bot_updates.hpp"
#include "projections/filter_index.hpp"
#include "projections/product_cache.hpp"
#include "projections/read_position.hpp"

namespace catalog::merkle {
class SigningKey;
class NodeCache;
}  // namespace catalog::merkle

namespace catalog::cluster {
class NodeState;
class Forwarder;
}  // namespace catalog::cluster

namespace catalog::http {

using EventBatch = std::shared_ptr<const std::vector<events::RecordedEvent>>;

// Following the log live: `deliver` gets every batch committed after `subscribed` was
// called; both may be called from another thread and must not block.
struct LiveEvents {
  std::function<void(uint64_t id, std::function<void(EventBatch)> deliver,
                     std::function<void()> subscribed)>
      subscribe;
  std::function<void(uint64_t id)> unsubscribe;
};

// The reply is called once, from another thread, with the command's result.
using Submit = std::function<void(events::Command, std::optional<events::IdempotencyRequest>,
                                  std::function<void(events::CommandResult)> reply)>;

// The bot's subscribers, served by the notifier. Each answer is called once, from another
// thread; nullopt when this node does not serve them now. Empty when notifications are off.
struct SubscriberDesk {
  std::function<void(std::function<void(std::optional<std::string> json)>)> list;
  std::function<void(int64_t chat, std::function<void(std::optional<bool> erased)>)> erase;
  std::function<void(notify::BotUpdate, std::function<void(bool handled)>)> update;
};

struct Services {
  Submit submit;
  db::ThreadConnections* reads = nullptr;
  projections::FilterIndex* filters = nullptr;    // null: filtered lists are counted by SQL
  projections::ProductCache* products = nullptr;  // null: every product is read and rendered
  // Runs long work (an audit of the whole log) on a thread that is not an io thread.
  std::function<void(std::function<void()>)> run_blocking;
  std::string database_path;  // for work that needs a connection of its own
  LiveEvents live;
  metrics::Metrics* metrics = nullptr;
  const ConnectionCount* connections = nullptr;
  bool notifications = false;  // the notifier runs (its queue is in /metrics)
  // The read model's position (Catalog-Position, Catalog-Min-Position); null in tests.
  projections::ReadPosition* read_position = nullptr;
  // This node's URL in /cluster: CATALOG_NODE_URL, or where a single node listens.
  std::string node_url;
  // A cluster node: its place in the cluster, and the client that forwards mutations to the
  // writer. Null on a single SQLite node.
  cluster::NodeState* node = nullptr;
  cluster::Forwarder* forwarder = nullptr;
  std::string postgres_url;  // the shared log, for the audit
  SubscriberDesk subscribers;
  // TELEGRAM_WEBHOOK_SECRET; empty: POST /telegram/webhook answers 401.
  std::string webhook_secret;
  // Signs tree heads; null on a cluster node without CATALOG_SIGNING_KEY_FILE (/audit/key and
  // /audit/tree-head answer 503 naming it).
  std::shared_ptr<const merkle::SigningKey> signing_key;
  // The tree's upper levels, read once for the proofs; null: every node from the database.
  std::shared_ptr<merkle::NodeCache> tree_nodes;
};

}  // namespace catalog::http
