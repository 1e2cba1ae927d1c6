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
#include "db/migrations.hpp"
#include "db/sqlite.hpp"
#include "db/thread_connections.hpp"
#include "http/routes.hpp"
#include "http/server.hpp"

namespace catalog::app {

namespace {

void prepare_database(const Config& config) {
  db::Connection conn(config.database_path, db::OpenMode::read_write_create);
  db::configure(conn, true);
  db::migrate_to_head(conn);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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
  spdlog::info("catalog starting: database {}", config.database_path);
  prepare_database(config);
  metrics::Metrics metrics;
  actors::Runtime runtime(config.database_path, config.sql_echo, metrics);
  spdlog::info("event log loaded in {:.2f} s", seconds_since(started));
  if (config.telegram_bot_token) {
    actors::NotifierSettings telegram;
    telegram.database_path = config.database_path;
    telegram.api_base = config.telegram_api_base;
    telegram.bot_token = *config.telegram_bot_token;
    telegram.chat_id = *config.telegram_chat_id;
    runtime.start_notifier(telegram, metrics);
  } else {
    spdlog::info("notifications off: TELEGRAM_BOT_API_KEY and TELEGRAM_USER_ID are not set");
  }

  db::ThreadConnections reads(config.database_path, config.sql_echo);
  http::Services services;
  services.submit = [&runtime](events::Command command, actors::Reply reply) {
    runtime.submit(std::move(command), std::move(reply));
  };
  services.reads = &reads;
  services.filters = runtime.filters();
  services.products = runtime.products();
  services.database_path = config.database_path;
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
  services.connections = connections.get();
  http::Router router = http::make_router(services);
  if (config.api_token) router.require_token(*config.api_token);

  int io_threads = std::max(1u, std::thread::hardware_concurrency());
  http::Limits limits;
  limits.max_connections = config.max_connections;
  http::Server server(router, limits, config.host, config.port, io_threads, connections, metrics);
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
  runtime.stop();
  audits.join();
  spdlog::info("catalog stopped");
  flush_log();
  return 0;
}

}  // namespace catalog::app
