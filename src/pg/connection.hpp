// A thin RAII layer over libpq: a connection, statements always sent with bound parameters
// (never pasted into the SQL text), results, and errors that say whether the connection is
// still usable, so callers can tell "this statement failed" from "the outcome is unknown".
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace catalog::pg {

// A PostgreSQL failure. `sqlstate` is the server's error code ("23505", or the service's own
// "CA001"), empty when the server never answered. `connection_lost` is true when the
// connection is gone: the statement may or may not have been executed.
class Error : public std::runtime_error {
 public:
  Error(const std::string& what, std::string sqlstate, bool connection_lost)
      : std::runtime_error(what), sqlstate_(std::move(sqlstate)), lost_(connection_lost) {}
  const std::string& sqlstate() const { return sqlstate_; }
  bool connection_lost() const { return lost_; }

 private:
  std::string sqlstate_;
  bool lost_;
};

// The answer to one statement, owned.
class Result {
 public:
  explicit Result(PGresult* r) : r_(r, PQclear) {}
  int rows() const { return PQntuples(r_.get()); }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) == 1; }
  std::string_view text(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col), static_cast<size_t>(PQgetlength(r_.get(), row, col))};
  }
  std::optional<std::string> opt_text(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return std::string(text(row, col));
  }
  int64_t int64(int row, int col) const;
  double real(int row, int col) const;
  std::optional<int64_t> opt_int64(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return int64(row, col);
  }
  bool boolean(int row, int col) const { return text(row, col) == "t"; }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

// One bound parameter, sent as text; an empty optional is NULL.
class Param {
 public:
  Param(std::nullptr_t) {}
  Param(std::string_view v) : value_(v) {}
  Param(const std::string& v) : value_(v) {}
  Param(const char* v) : value_(std::string(v)) {}
  Param(int64_t v) : value_(std::to_string(v)) {}
  Param(int v) : value_(std::to_string(v)) {}
  // The shortest text that reads back as the same double.
  Param(double v);
  template <class T>
  Param(const std::optional<T>& v) {
    if (v) value_ = Param(*v).value_;
  }
  const std::optional<std::string>& value() const { return value_; }

 private:
  std::optional<std::string> value_;
};

// How a connection is opened: the URL given by the operator, and settings the service adds.
struct ConnectOptions {
  std::string url;  // postgresql://user:password@host:port/dbname?param=...
  std::string application_name = "catalog";
  // Only sessions that may write (a primary, not a standby): the appending connection.
  bool read_write = false;
};

class Connection {
 public:
  // Connects or throws Error with a message that never contains the password.
  explicit Connection(const ConnectOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL without parameters, possibly several statements (schema scripts, SET).
  void exec_script(const std::string& sql);
  // One statement with bound parameters ($1, $2, ...). Throws Error.
  Result exec(std::string_view sql, const std::vector<Param>& params = {});

  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  int backend_pid() const { return PQbackendPID(conn_); }
  int socket() const { return PQsocket(conn_); }
  // Reads what the server sent without blocking and returns the notifications received
  // (LISTEN), as (channel, payload). Throws Error when the connection is lost.
  std::vector<std::pair<std::string, std::string>> notifications();

  // Logs every statement (SQL_ECHO=1), without the bound values.
  void set_echo(bool on) { echo_ = on; }

 private:
  [[noreturn]] void fail(PGresult* result, std::string_view what);
  PGconn* conn_ = nullptr;
  bool echo_ = false;
};

// The URL with its password replaced by "***", for messages and logs.
std::string redacted(const std::string& url);

}  // namespace catalog::pg
