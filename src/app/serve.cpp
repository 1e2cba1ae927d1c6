#include "app/serve.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <caf/all.hpp>
#include <chrono>
#include <thread>

#include "actors/catalog.hpp"
#include "actors/live_hub.hpp"
#include "actors/projector.hpp"
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

  auto started = std::chrono::steady_clock::now();
  spdlog::info("catalog starting: database {}", config.database_path);
  prepare_database(config);
  auto projector_state = actors::open_projector(config.database_path, config.sql_echo);
  auto catalog_state = actors::open_catalog(config.database_path, config.sql_echo);
  spdlog::info("event log loaded in {:.2f} s", seconds_since(started));

  caf::actor_system_config caf_config;
  caf_config.set("scheduler.max-threads", 2);
  caf_config.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system system{caf_config};
  auto projector = actors::spawn_projector(system, std::move(projector_state));
  auto hub = actors::spawn_live_hub(system);
  auto catalog = actors::spawn_catalog(system, std::move(catalog_state), projector, hub);

  db::ThreadConnections reads(config.database_path, config.sql_echo);
  http::Services services;
  services.submit = [catalog](events::Command command, actors::Reply reply) {
    caf::anon_send(catalog, actors::CommandRequest{std::move(command), std::move(reply)});
  };
  services.reads = &reads;
  services.database_path = config.database_path;
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
  http::Router router = http::make_router(services);

  int io_threads = std::max(1u, std::thread::hardware_concurrency());
  http::Server server(router, http::Limits{}, config.host, config.port, io_threads);
  spdlog::info("listening on http://{}:{} ({} io threads)", config.host, server.port(), io_threads);

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
  caf::anon_send(catalog, actors::stop_atom::value);
  system.await_all_actors_done();
  audits.join();
  spdlog::info("catalog stopped");
  return 0;
}

}  // namespace catalog::app
