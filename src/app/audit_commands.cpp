#include "app/audit_commands.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "app/progress.hpp"
#include "db/migrations.hpp"
#include "db/sqlite.hpp"
#include "events/event_store.hpp"
#include "events/store/postgres_log.hpp"
#include "http/json_render.hpp"
#include "projections/replay.hpp"
#include "projections/verify.hpp"

namespace catalog::app {

namespace {

// The database must exist: an auditor's typo must not create an empty catalog that then
// "verifies".
std::unique_ptr<db::Connection> open_existing(const std::string& path, db::OpenMode mode) {
  if (!std::filesystem::exists(path))
    throw db::Error(SQLITE_CANTOPEN, "database " + path + " does not exist");
  auto conn = std::make_unique<db::Connection>(path, mode);
  db::wait_when_busy(*conn);
  return conn;
}

}  // namespace

AuditCommands add_audit_commands(CLI::App& app, AuditOptions& o) {
  AuditCommands c;
  c.replay = app.add_subcommand("replay", "rebuild every projection table from the event log");
  c.verify = app.add_subcommand(
      "verify", "check the hash chain and compare the read model with a replay of the log");
  c.verify->add_option("--position", o.digest_position, "position of a digest kept earlier");
  c.verify->add_option("--hash", o.digest_hash, "head hash of that digest");
  c.verify->get_option("--position")->needs("--hash");
  c.verify->get_option("--hash")->needs("--position");
  c.events = app.add_subcommand("events", "print events as JSON lines");
  c.events->add_option("--after", o.after, "only events after this position")
      ->check(CLI::NonNegativeNumber);
  c.events->add_option("--stream", o.stream, "only this stream, e.g. product-1");
  auto* audit = app.add_subcommand("audit", "an auditor's checks of a running service");
  audit->require_subcommand(1);
  c.check = add_audit_check_command(*audit, o.check);
  return c;
}

int run_replay(const std::string& path) {
  auto db = open_existing(path, db::OpenMode::read_write);
  db::configure(*db, false);
  db::migrate_to_head(*db);
  Progress progress("replay");
  auto stats = projections::replay(*db, std::ref(progress));
  double rate = stats.seconds > 0 ? static_cast<double>(stats.events) / stats.seconds : 0;
  std::printf("replayed %lld events in %.2f s (%.0f events/s)\n",
              static_cast<long long>(stats.events), stats.seconds, rate);
  return 0;
}

int run_verify(const AuditOptions& o, const Config& config) {
  std::optional<projections::Digest> digest;
  if (o.digest_position) digest = projections::Digest{*o.digest_position, *o.digest_hash};
  Progress progress("verify");
  std::unique_ptr<db::Connection> db;
  std::unique_ptr<events::store::PostgresLog> shared;
  if (config.postgres_url) {
    shared = std::make_unique<events::store::PostgresLog>(*config.postgres_url, false);
    shared->connect();
    if (std::filesystem::exists(config.read_model_path)) {
      db = open_existing(config.read_model_path, db::OpenMode::read_only);
    } else {
      // No node here: the shared log's chain alone, against an empty read model.
      std::cerr << "verify: no read model at " << config.read_model_path
                << "; checking the shared log only" << std::endl;
      db = std::make_unique<db::Connection>(":memory:", db::OpenMode::read_write_create);
      db::Migrator empty(*db, db::embedded_migrations());
      empty.upgrade(empty.head());
    }
  } else {
    db = open_existing(config.database_path, db::OpenMode::read_only);
  }
  auto report = projections::verify(*db, digest, std::ref(progress), shared.get());
  std::cout << projections::to_json(report).dump() << std::endl;
  if (!report.ok) {
    std::cerr << "verify: FAILED at position " << report.failed_at.value_or(0) << ": "
              << report.problem << std::endl;
    return 1;
  }
  return 0;
}

int run_events(const AuditOptions& o, const Config& config) {
  auto print = [](const events::RecordedEvent& e) { std::cout << http::render(e) << '\n'; };
  if (config.postgres_url) {
    events::store::PostgresLog shared(*config.postgres_url, false);
    shared.connect();
    if (o.stream) {
      for (const auto& e : shared.read_stream(*o.stream, o.after))
        print(e);
    } else {
      shared.for_each_after(o.after, print, INT64_MAX);
    }
    std::cout.flush();
    return 0;
  }
  auto db = open_existing(config.database_path, db::OpenMode::read_only);
  events::EventStore store(*db);
  if (o.stream) {
    for (const auto& e : store.read_stream(*o.stream, o.after, INT64_MAX))
      print(e);
  } else {
    store.for_each_after(o.after, print);
  }
  std::cout.flush();
  return 0;
}

}  // namespace catalog::app
