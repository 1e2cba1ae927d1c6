#include "app/serve.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <caf/all.hpp>
#include <chrono>
#include <thread>

#include "actors/live_hub.hpp"
#include "actors/runtime.hpp"
#include "app/buffered_log.hpp"
#include "app/catching_up_server.hpp"
#include "app/cluster_node.hpp"
#include "cluster/bulk_catch_up.hpp"
#include "cluster/forwarder.hpp"
#include "cluster/node_state.hpp"
#include "cluster/watcher.hpp"
#include "db/migrations.hpp"
#include "db/sqlite.hpp"
#include "db/thread_connections.hpp"
#include "http/routes.hpp"
#include "http/server.hpp"
#include "merkle/node_cache.hpp"
#include "merkle/signing_key.hpp"
#include "pg/connection.hpp"

namespace catalog::app {

namespace {

// The subscribers' routes, answered by the notifier.
http::SubscriberDesk subscriber_desk(caf::actor notifier) {
  http::SubscriberDesk desk;
  desk.list = [notifier](std::function<void(std::optional<std::string>)> answer) {
    caf::anon_send(notifier, actors::ListSubscribers{std::move(answer)});
  };
  desk.erase = [notifier](int64_t chat, std::function<void(std::optional<bool>)> answer) {
    caf::anon_send(notifier, actors::EraseSubscriber{chat, std::move(answer)});
  };
  desk.update = [notifier](notify::BotUpdate update, std::function<void(bool)> answer) {
    caf::anon_send(notifier, actors::WebhookUpdate{std::move(update), std::move(answer)});
  };
  return desk;
}

void prepare_database(const Config& config) {
  if (config.postgres_url) return prepare_cluster_node(config);
  db::Connection conn(config.database_path, db::OpenMode::read_write_create);
  db::configure(conn, true);
  db::migrate_to_head(conn);
}

// Further behind than this, a starting node copies the log in one pass rather than through
// the tail (about 20,000 events a second).
constexpr int64_t bulk_threshold = 20000;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The cluster parts of a node on PostgreSQL: its place in the cluster, the thread that
// keeps it in touch, and the client that forwards mutations to the writer.
struct ClusterParts {
  std::unique_ptr<cluster::NodeState> node;
  std::unique_ptr<cluster::Forwarder> forwarder;
  std::unique_ptr<cluster::Watcher> watcher;
};

// The key that signs tree heads: the configured file, or on a single node one kept beside
// the database (created on first start). The nodes of a cluster must share one, so a node
// without the file signs nothing rather than invent a key of its own.
std::shared_ptr<const merkle::SigningKey> load_signing_key(const Config& config) {
  if (config.signing_key_file)
    return std::make_shared<const merkle::SigningKey>(
        merkle::SigningKey::read(*config.signing_key_file));
  if (config.postgres_url) {
    spdlog::warn("CATALOG_SIGNING_KEY_FILE is not set: /audit/key and /audit/tree-head answer 503");
    return nullptr;
  }
  auto path = merkle::default_signing_key_path(config.database_path);
  auto key = std::make_shared<const merkle::SigningKey>(merkle::SigningKey::read_or_create(path));
  spdlog::info("tree heads signed by key {} ({})", key->key_id(), path);
  return key;
}

}  // namespace

int serve(const Config& config) {
  // Signals are taken by one waiting thread; every thread started from here on inherits
  // the mask, so none of them is interrupted by SIGINT or SIGTERM.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // Past a file-size limit (RLIMIT_FSIZE) a write must fail with EFBIG, which SQLite reports
  // and the catalog answers with 503, instead of the signal killing the process.
  signal(SIGXFSZ, SIG_IGN);
  // Its flushing thread starts here, after the stop signals are blocked, so that they
  // reach the signal waiter rather than end the process; and before any thread logs.
  use_buffered_log();

  auto started = std::chrono::steady_clock::now();
  const std::string& local = local_database(config);
  ClusterParts cluster;
  if (config.postgres_url) {
    spdlog::info("catalog starting: node {}, log in PostgreSQL {}, read model {}", *config.node_url,
                 pg::redacted(*config.postgres_url), local);
    if (const char* why = getenv("CATALOG_REBUILDING_BECAUSE")) {
      spdlog::warn("cluster: rebuilding the read model from the log, because {}", why);
      unsetenv("CATALOG_REBUILDING_BECAUSE");
    }
    cluster.node = std::make_unique<cluster::NodeState>(*config.node_url);
  } else {
    spdlog::info("catalog starting: database {}", local);
  }
  // A cluster node's port answers from the start, that it is catching up: it migrates, may
  // copy a long log, and folds its own before it serves (and a port in use fails here).
  unsigned short port = config.port;
  CatchUpProgress progress;
  std::unique_ptr<CatchingUpServer> catching_up;
  if (cluster.node) {
    catching_up = std::make_unique<CatchingUpServer>(config.host, port, *config.node_url, progress);
    port = catching_up->port();
    // Before anything slow: a second node started with this URL stops here.
    cluster.watcher = std::make_unique<cluster::Watcher>(*config.postgres_url, *cluster.node);
  }
  // A configured key is read before the database is touched, so a bad file changes nothing;
  // the default one lives beside the database, once it exists.
  auto signing_key = config.signing_key_file ? load_signing_key(config) : nullptr;
  prepare_database(config);
  if (!config.signing_key_file) signing_key = load_signing_key(config);
  // A node far behind the log copies it in one pass first.
  std::shared_ptr<cluster::CaughtUp> caught_up;
  if (cluster.node) {
    auto copy = cluster::bulk_catch_up(*config.postgres_url, local, bulk_threshold,
                                       [&progress](int64_t position, int64_t log_head) {
                                         progress.position = position;
                                         progress.log_head = log_head;
                                       });
    if (copy.folded) caught_up = std::make_shared<cluster::CaughtUp>(std::move(*copy.folded));
  }
  metrics::Metrics metrics;
  actors::RuntimeOptions options{
      local,     config.sql_echo,      config.postgres_url, cluster.node.get(),
      caught_up, config.snapshot_every};
  actors::Runtime runtime(options, metrics);
  // The watcher calls into the runtime: it stops first, however serve() ends.
  struct StopWatcher {
    ClusterParts& parts;
    ~StopWatcher() { parts.watcher.reset(); }
  } stop_watcher{cluster};
  spdlog::info("event log loaded in {:.2f} s", seconds_since(started));
  if (cluster.node) {
    cluster.forwarder = std::make_unique<cluster::Forwarder>();
    cluster.watcher->start(runtime.read_position(), [&runtime] { runtime.wake_tail(); });
  }
  if (config.telegram_bot_token) {
    actors::NotifierSettings telegram;
    telegram.database_path = local;
    telegram.api_base = config.telegram_api_base;
    telegram.bot_token = *config.telegram_bot_token;
    telegram.chat_id = config.telegram_chat_id;
    telegram.chat_rate = config.telegram_chat_rate;
    telegram.global_rate = config.telegram_global_rate;
    telegram.webhook = config.telegram_webhook_secret.has_value();
    telegram.postgres_url = config.postgres_url;
    telegram.node = cluster.node.get();
    runtime.start_notifier(telegram, metrics);
  } else {
    spdlog::info("notifications off: TELEGRAM_BOT_API_KEY is not set");
  }

  db::ThreadConnections reads(local, config.sql_echo);
  http::Services services;
  services.submit = [&runtime](events::Command command,
                               std::optional<events::IdempotencyRequest> idempotency,
                               actors::Reply reply) {
    runtime.submit(std::move(command), std::move(idempotency), std::move(reply));
  };
  services.reads = &reads;
  services.filters = runtime.filters();
  services.products = runtime.products();
  services.database_path = local;
  services.read_position = &runtime.read_position();
  services.node = cluster.node.get();
  services.forwarder = cluster.forwarder.get();
  if (config.postgres_url) services.postgres_url = *config.postgres_url;
  caf::actor hub = runtime.hub();
  services.live.subscribe = [hub](uint64_t id, std::function<void(http::EventBatch)> deliver,
                                  std::function<void()> subscribed) {
    caf::anon_send(hub, actors::Subscribe{id, std::move(deliver), std::move(subscribed)});
  };
  services.live.unsubscribe = [hub](uint64_t id) { caf::anon_send(hub, actors::Unsubscribe{id}); };
  // One thread is enough for audits: they are rare, and each holds only a read snapshot.
  boost::asio::thread_pool audits(1);
  services.run_blocking = [&audits](std::function<void()> work) {
    boost::asio::post(audits, std::move(work));
  };
  auto connections = std::make_shared<http::ConnectionCount>();
  services.metrics = &metrics;
  services.notifications = config.telegram_bot_token.has_value();
  if (services.notifications) services.subscribers = subscriber_desk(runtime.notifier());
  services.webhook_secret = config.telegram_webhook_secret.value_or("");
  services.signing_key = signing_key;
  services.tree_nodes = std::make_shared<merkle::NodeCache>();
  services.connections = connections.get();

  int io_threads = std::max(1u, std::thread::hardware_concurrency());
  http::Limits limits;
  limits.max_connections = config.max_connections;
  // The router is made once the port is known: /cluster names where a single node listens.
  http::Router router;
  catching_up.reset();
  http::Server server(router, limits, config.host, port, io_threads, connections, metrics,
                      services.read_position);
  services.node_url =
      config.node_url.value_or("http://" + config.host + ":" + std::to_string(server.port()));
  router = http::make_router(services);
  if (config.api_token) router.require_token(*config.api_token);
  if (cluster.node) cluster.node->on_fork([&server] { server.stop(); });
  spdlog::info("listening on http://{}:{} ({} io threads, mutations {})", config.host,
               server.port(), io_threads,
               config.api_token ? "need the bearer token" : "open to every client");
  // A supervisor (or a test) waits for this line to know the port.
  flush_log();

  std::thread signal_waiter([&server, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (sig != 0) spdlog::info("{} received: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    server.stop();
  });
  server.run();
  // run() also ends without a signal only if the server fails; wake the waiter either way.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();

  // The actors finish and answer what they hold before the io threads' executors go away.
  cluster.watcher.reset();
  runtime.stop();
  audits.join();
  if (cluster.node) {
    if (auto why = cluster.node->fork_reason()) rebuild_and_restart(config, *why);
  }
  spdlog::info("catalog stopped");
  flush_log();
  return cluster.node && cluster.node->fork_reason() ? 1 : 0;
}

}  // namespace catalog::app
