#include "pg/connection.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

namespace catalog::pg {

namespace {

// libpq's messages end with a newline and may span lines (one per host tried): logs and
// start-up errors want one line.
std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      if (!out.empty() && out.back() != ' ') out += "; ";
    } else if (c != '\r') {
      out += c;
    }
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == ';'))
    out.pop_back();
  return out;
}

}  // namespace

int64_t Result::int64(int row, int col) const {
  auto t = text(row, col);
  int64_t v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc{}) throw Error("not an integer: " + std::string(t), "", false);
  return v;
}

double Result::real(int row, int col) const {
  auto t = text(row, col);
  double v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc{}) throw Error("not a number: " + std::string(t), "", false);
  return v;
}

Param::Param(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  value_ = std::string(buf, r.ptr);
}

Connection::Connection(const ConnectOptions& options) {
  // The service's defaults come before the URL, so that a parameter in the URL's query
  // string (?connect_timeout=10) overrides them. Keepalives and a TCP user time-out make a
  // lost server or network fail this connection within seconds instead of hanging on it.
  std::vector<const char*> keys{
      "connect_timeout",  "keepalives",       "keepalives_idle",  "keepalives_interval",
      "keepalives_count", "tcp_user_timeout", "application_name", "dbname"};
  std::vector<const char*> values{
      "5", "1", "2", "1", "2", "5000", options.application_name.c_str(), options.url.c_str()};
  if (options.read_write) {
    keys.push_back("target_session_attrs");
    values.push_back("read-write");
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), 1);
  if (!conn_) throw Error("cannot connect to PostgreSQL: out of memory", "", true);
  if (PQstatus(conn_) != CONNECTION_OK) {
    // libpq names the host, port and user, never the password.
    std::string why = one_line(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw Error("cannot connect to PostgreSQL: " + why, "", true);
  }
  // Notices (RAISE NOTICE, "relation already exists, skipping") are not the service's news.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

void Connection::fail(PGresult* result, std::string_view what) {
  std::string sqlstate;
  std::string message;
  if (result) {
    if (const char* s = PQresultErrorField(result, PG_DIAG_SQLSTATE)) sqlstate = s;
    if (const char* m = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)) message = m;
    PQclear(result);
  }
  if (message.empty()) message = one_line(PQerrorMessage(conn_));
  bool lost = PQstatus(conn_) != CONNECTION_OK;
  if (lost && message.empty()) message = "the connection to PostgreSQL was lost";
  throw Error(std::string(what) + ": " + message, sqlstate, lost);
}

void Connection::exec_script(const std::string& sql) {
  if (echo_) spdlog::info("sql: {}", sql);
  PGresult* r = PQexec(conn_, sql.c_str());
  auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY)
    fail(r, "PostgreSQL");
  PQclear(r);
}

Result Connection::exec(std::string_view sql, const std::vector<Param>& params) {
  if (echo_) spdlog::info("sql: {}", sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params)
    values.push_back(p.value() ? p.value()->c_str() : nullptr);
  std::string text(sql);
  PGresult* r = PQexecParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0);
  auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY)
    fail(r, "PostgreSQL");
  return Result(r);
}

std::vector<std::pair<std::string, std::string>> Connection::notifications() {
  if (PQconsumeInput(conn_) == 0) fail(nullptr, "PostgreSQL");
  std::vector<std::pair<std::string, std::string>> out;
  while (PGnotify* n = PQnotifies(conn_)) {
    out.emplace_back(n->relname, n->extra);
    PQfreemem(n);
  }
  return out;
}

std::string redacted(const std::string& url) {
  std::string out = url;
  // user:password@ in the authority
  if (auto scheme = out.find("://"); scheme != std::string::npos) {
    auto end = out.find_first_of("/?#", scheme + 3);
    auto at = out.rfind('@', end == std::string::npos ? out.size() : end);
    auto colon = out.find(':', scheme + 3);
    if (at != std::string::npos && at > scheme && colon != std::string::npos && colon < at)
      out = out.substr(0, colon + 1) + "***" + out.substr(at);
  }
  // ?password=... (or &password=...) in the query string
  for (size_t at = out.find("password="); at != std::string::npos;
       at = out.find("password=", at + 1)) {
    if (at > 0 && out[at - 1] != '?' && out[at - 1] != '&') continue;
    auto value = at + 9;
    auto end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
  }
  return out;
}

}  // namespace catalog::pg
