#include "app/audit_commands.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "db/migrations.hpp"
#include "db/sqlite.hpp"
#include "events/event_store.hpp"
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

// Draws progress on a terminal; elsewhere (a log, a pipe) prints a line every tenth.
class Progress {
 public:
  explicit Progress(std::string verb) : verb_(std::move(verb)), tty_(isatty(STDERR_FILENO)) {}

  void operator()(int64_t done, int64_t total) {
    double seconds = elapsed();
    double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
    int percent = total > 0 ? static_cast<int>(100 * done / total) : 100;
    if (tty_) {
      constexpr int width = 30;
      int filled = width * percent / 100;
      std::fprintf(stderr, "\r%s [%s%s] %3d%% %lld/%lld events, %.0f events/s", verb_.c_str(),
                   std::string(filled, '#').c_str(), std::string(width - filled, '-').c_str(),
                   percent, static_cast<long long>(done), static_cast<long long>(total), rate);
      if (done >= total) std::fputc('\n', stderr);
    } else if (percent / 10 > last_decile_ || done >= total) {
      last_decile_ = percent / 10;
      std::fprintf(stderr, "%s: %lld/%lld events (%d%%), %.0f events/s\n", verb_.c_str(),
                   static_cast<long long>(done), static_cast<long long>(total), percent, rate);
    }
    std::fflush(stderr);
  }

  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::string verb_;
  bool tty_;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

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

int run_verify(const AuditOptions& o, const std::string& path) {
  auto db = open_existing(path, db::OpenMode::read_only);
  std::optional<projections::Digest> digest;
  if (o.digest_position) digest = projections::Digest{*o.digest_position, *o.digest_hash};
  Progress progress("verify");
  auto report = projections::verify(*db, digest, std::ref(progress));
  std::cout << projections::to_json(report).dump() << std::endl;
  if (!report.ok) {
    std::cerr << "verify: FAILED at position " << report.failed_at.value_or(0) << ": "
              << report.problem << std::endl;
    return 1;
  }
  return 0;
}

int run_events(const AuditOptions& o, const std::string& path) {
  auto db = open_existing(path, db::OpenMode::read_only);
  events::EventStore store(*db);
  auto print = [](const events::RecordedEvent& e) { std::cout << http::render(e) << '\n'; };
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
