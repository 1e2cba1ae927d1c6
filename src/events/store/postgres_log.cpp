#include "events/store/postgres_log.hpp"

#include <nlohmann/json.hpp>

#include "events/hash_chain.hpp"
#include "pg/advisory_locks.hpp"

namespace catalog::events::store {

namespace {

const pg::Param lock_space(pg::lock_space);
const pg::Param writer_key(static_cast<int>(pg::AdvisoryLock::writer));

// The appending session's settings. synchronous_commit: an acknowledged write is on disk
// (and on a synchronous standby, where there is one). The time-outs are PostgreSQL's half
// of the failover bound: a writer that stops talking to the server (killed, paused, its
// machine lost) loses its session, and with it the lock, within seconds, while the live
// writer pings once a second.
constexpr const char* session_settings =
    "SET synchronous_commit = on; "
    "SET idle_session_timeout = '3s'; "
    "SET idle_in_transaction_session_timeout = '3s'; "
    "SET tcp_keepalives_idle = 1; SET tcp_keepalives_interval = 1; "
    "SET tcp_keepalives_count = 2; SET tcp_user_timeout = 3000";

}  // namespace

namespace {

std::vector<RecordedEvent> to_events(const pg::Result& rows) {
  std::vector<RecordedEvent> out;
  out.reserve(rows.rows());
  for (int i = 0; i < rows.rows(); ++i) {
    RecordedEvent e;
    e.position = rows.int64(i, 0);
    e.stream = rows.text(i, 1);
    e.version = rows.int64(i, 2);
    e.type = rows.text(i, 3);
    e.data = rows.text(i, 4);
    // As in the SQLite store: a time that does not parse fails the hash check downstream.
    e.recorded_at = parse_iso(rows.text(i, 5)).value_or(0);
    e.hash = rows.text(i, 6);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::vector<RecordedEvent> read_events_after(pg::Connection& conn, int64_t after, int64_t limit) {
  return to_events(
      conn.exec("SELECT position, stream, version, type, data, recorded_at, hash FROM events "
                "WHERE position > $1 ORDER BY position LIMIT $2",
                {after, limit}));
}

std::vector<RecordedEvent> PostgresLog::read_stream(const std::string& stream, int64_t after) {
  return to_events(
      conn().exec("SELECT position, stream, version, type, data, recorded_at, hash FROM events "
                  "WHERE stream = $1 AND position > $2 ORDER BY version",
                  {stream, after}));
}

PostgresLog::PostgresLog(std::string url, bool sql_echo)
    : url_(std::move(url)), sql_echo_(sql_echo) {}

void PostgresLog::connect() {
  if (connected()) return;
  conn_.reset();
  auto conn = std::make_unique<pg::Connection>(pg::ConnectOptions{url_, "catalog-writer", true});
  conn->exec_script(session_settings);
  conn->set_echo(sql_echo_);
  conn_ = std::move(conn);
}

pg::Connection& PostgresLog::conn() {
  if (!conn_) throw pg::Error("not connected to PostgreSQL", "", true);
  return *conn_;
}

bool PostgresLog::try_become_writer() {
  auto& c = conn();
  if (!c.exec("SELECT pg_try_advisory_lock($1, $2)", {lock_space, writer_key}).boolean(0, 0))
    return false;
  if (holds_writer_lock()) return true;
  // Granted, yet not held by this backend in the next statement: a transaction-pooling
  // proxy hands each transaction another server session, so no lock is held for good.
  throw pg::Error(
      "the writer lock does not stay with this connection: connect directly or through a "
      "session-pooling proxy (transaction pooling breaks session advisory locks)",
      "", false);
}

bool PostgresLog::holds_writer_lock() {
  return conn()
      .exec(
          "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
          "AND pid = pg_backend_pid() AND classid = $1 AND objid = $2 AND objsubid = 2 "
          "AND granted)",
          {lock_space, writer_key})
      .boolean(0, 0);
}

Head PostgresLog::head() {
  auto r = conn().exec("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1");
  if (r.rows() == 0) return Head{0, std::string(genesis_hash)};
  return Head{r.int64(0, 0), std::string(r.text(0, 1))};
}

std::vector<RecordedEvent> PostgresLog::read_after(int64_t after, int64_t limit) {
  return read_events_after(conn(), after, limit);
}

int64_t PostgresLog::for_each_after(int64_t after,
                                    const std::function<void(const RecordedEvent&)>& visit,
                                    int64_t until) {
  // Pages by position: the log only grows, so pages read one after the other are one log.
  int64_t n = 0;
  for (;;) {
    auto page = read_events_after(conn(), after, 10000);
    for (const auto& e : page) {
      if (e.position > until) return n;
      visit(e);
      ++n;
      after = e.position;
    }
    if (page.size() < 10000) return n;
  }
}

std::string events_json(const std::vector<RecordedEvent>& events) {
  auto batch = nlohmann::json::array();
  for (const auto& e : events) {
    batch.push_back({{"position", e.position},
                     {"stream", e.stream},
                     {"version", e.version},
                     {"type", e.type},
                     {"data", e.data},
                     {"recorded_at", format_iso(e.recorded_at)},
                     {"hash", e.hash}});
  }
  return batch.dump();
}

void PostgresLog::append(const Head& expected, const std::vector<RecordedEvent>& events,
                         const std::vector<KeptAnswer>& answers) {
  auto& c = conn();
  if (!c.ok()) throw pg::Error("the connection to PostgreSQL is lost", "", true);
  auto kept = nlohmann::json::array();
  for (const auto& a : answers) {
    kept.push_back({{"key", a.key},
                    {"fingerprint", a.fingerprint},
                    {"status", a.status},
                    {"body", a.body},
                    {"location", a.location ? nlohmann::json(*a.location) : nullptr},
                    {"etag", a.etag ? nlohmann::json(*a.etag) : nullptr},
                    {"position", a.position}});
  }
  try {
    // One statement outside any BEGIN: its own transaction, committed (with
    // synchronous_commit = on) when the call returns.
    c.exec("SELECT catalog_append($1, $2, $3::json, $4::json)",
           {expected.position + 1, expected.hash, events_json(events), kept.dump()});
  } catch (const pg::Error& e) {
    if (e.sqlstate() == "CA001" || e.sqlstate() == "CA002") throw Fenced(e.what());
    if (e.connection_lost()) throw OutcomeUnknown(e.what());
    throw;
  }
}

std::vector<KeptAnswer> PostgresLog::find_answers(const std::vector<std::string>& keys) {
  auto r = conn().exec(
      "SELECT key, fingerprint, status, body, location, etag, position FROM idempotency_keys "
      "WHERE key IN (SELECT json_array_elements_text($1::json)) "
      "AND created_at > now() - interval '24 hours'",
      {nlohmann::json(keys).dump()});
  std::vector<KeptAnswer> found;
  for (int i = 0; i < r.rows(); ++i) {
    found.push_back(KeptAnswer{std::string(r.text(i, 0)), std::string(r.text(i, 1)),
                               static_cast<int>(r.int64(i, 2)), std::string(r.text(i, 3)),
                               r.opt_text(i, 4), r.opt_text(i, 5), r.int64(i, 6)});
  }
  return found;
}

void PostgresLog::forget_old_answers() {
  conn().exec("DELETE FROM idempotency_keys WHERE created_at <= now() - interval '24 hours'");
}

}  // namespace catalog::events::store
