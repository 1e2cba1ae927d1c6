// A thin RAII layer over the SQLite C API: connections, prepared statements that are
// always bound (never pasted), a per-connection statement cache and a transaction guard.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace catalog::db {

// A database failure. `code` is SQLite's extended result code, so callers can tell a full
// disk (SQLITE_FULL), a busy or read-only database and a constraint violation apart.
class Error : public std::runtime_error {
 public:
  Error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }
  int primary_code() const { return code_ & 0xff; }

 private:
  int code_;
};

class Statement;

enum class OpenMode { read_write_create, read_write, read_only };

class Connection {
 public:
  Connection(const std::string& path, OpenMode mode);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without parameters (schema scripts, pragmas).
  void exec(const std::string& sql);
  // A statement prepared once for this connection and kept; the reference stays valid for
  // the connection's life. Only for SQL text that is a constant of the program.
  Statement& cached(std::string_view sql);
  int64_t changes() const { return sqlite3_changes64(handle_); }
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(handle_); }
  sqlite3* handle() const { return handle_; }
  const std::string& path() const { return path_; }

  // Logs every statement this connection runs (SQL_ECHO=1).
  void set_echo(bool on);

 private:
  sqlite3* handle_ = nullptr;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// A prepared statement. Bind with 1-based indexes, step, read columns; reset() makes it
// ready for the next use (Connection::cached statements are reset by Reset below).
class Statement {
 public:
  Statement(Connection& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) {
    return bind(index, std::string_view(value));
  }
  Statement& bind(int index, std::nullptr_t);
  Statement& bind_blob(int index, const void* data, size_t size);
  template <class T>
  Statement& bind(int index, const std::optional<T>& value) {
    if (value) return bind(index, *value);
    return bind(index, nullptr);
  }

  // Returns true while a row is available.
  bool step();
  // Steps a statement that returns no rows.
  void run();
  void reset();

  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string text(int col) const;
  std::string_view text_view(int col) const;
  // The bytes of a BLOB column (valid until the next step or reset).
  std::string_view blob_view(int col) const;
  std::optional<std::string> opt_text(int col) const;
  std::optional<int64_t> opt_int64(int col) const;

 private:
  void check(int rc) const;
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when the scope ends, so a cached statement never keeps a read
// transaction open after an early return or an exception.
class Reset {
 public:
  explicit Reset(Statement& s) : s_(s) {}
  ~Reset() { s_.reset(); }
  Reset(const Reset&) = delete;
  Reset& operator=(const Reset&) = delete;
  Statement* operator->() { return &s_; }
  Statement& operator*() { return s_; }

 private:
  Statement& s_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if the scope ends without commit().
class Transaction {
 public:
  enum class Kind { deferred, immediate };
  explicit Transaction(Connection& db, Kind kind = Kind::immediate);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& db_;
  bool done_ = false;
};

// Retries briefly and often while another connection holds the write lock (about 5 s in
// all), instead of SQLite's default waits of up to 100 ms.
void wait_when_busy(Connection& db);

// The pragmas every connection of the service uses: WAL, busy time-out, foreign keys off
// (the projections keep their own integrity), and the durability level for writers.
void configure(Connection& db, bool durable_writes);

}  // namespace catalog::db
