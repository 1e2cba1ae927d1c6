#include "db/sqlite.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

namespace catalog::db {

namespace {

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view context) {
  std::string msg(context);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw Error(db ? sqlite3_extended_errcode(db) : rc, msg);
}

// The catalog, the projector and the notifier take turns at SQLite's one write lock, each
// for a short transaction. SQLite's own busy handler sleeps 1, 2, 5, 10 ... 100 ms between
// tries, so a writer that just missed the lock would sit out many commits of the others;
// this one retries within 50 us to 1 ms, and gives up after about 5 s.
int retry_while_busy(void*, int attempts) {
  int micros = attempts < 20 ? 50 : attempts < 200 ? 200 : 1000;
  // 20 x 50 us + 180 x 200 us + n x 1 ms: about 5 s in all.
  if (attempts > 200 + 4960) return 0;
  usleep(micros);
  return 1;
}

int trace_statement(unsigned type, void*, void* stmt, void*) {
  if (type == SQLITE_TRACE_STMT) {
    // The unexpanded text: bound values stay out of the log.
    if (const char* sql = sqlite3_sql(static_cast<sqlite3_stmt*>(stmt)))
      spdlog::info("sql: {}", sql);
  }
  return 0;
}

// SQLite counts every allocation under one process-wide mutex unless told not to before its
// first use. Nothing here reads those counts, and every query and commit of every thread took
// that mutex (5 % of the samples of a replay; replay of 10M events: 230-239k -> 251-254k
// events/s, alternated).
void configure_library() {
  static const int done = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)done;  // SQLITE_MISUSE if the library was already in use: then it keeps counting
}

}  // namespace

Connection::Connection(const std::string& path, OpenMode mode) : path_(path) {
  configure_library();
  int flags = SQLITE_OPEN_NOMUTEX;
  switch (mode) {
    case OpenMode::read_write_create:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      break;
    case OpenMode::read_write:
      flags |= SQLITE_OPEN_READWRITE;
      break;
    case OpenMode::read_only:
      flags |= SQLITE_OPEN_READONLY;
      break;
  }
  int rc = sqlite3_open_v2(path.c_str(), &handle_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "cannot open database " + path + ": " +
                      (handle_ ? sqlite3_errmsg(handle_) : sqlite3_errstr(rc));
    int code = handle_ ? sqlite3_extended_errcode(handle_) : rc;
    sqlite3_close_v2(handle_);
    handle_ = nullptr;
    throw Error(code, msg);
  }
  sqlite3_extended_result_codes(handle_, 1);
}

Connection::~Connection() {
  cache_.clear();  // statements must be finalized before the connection closes
  sqlite3_close_v2(handle_);
}

void Connection::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(handle_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw Error(sqlite3_extended_errcode(handle_), msg);
  }
}

Statement& Connection::cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end()) return *it->second;
  auto stmt = std::make_unique<Statement>(*this, sql);
  auto& ref = *stmt;
  cache_.emplace(std::string(sql), std::move(stmt));
  return ref;
}

void Connection::set_echo(bool on) {
  sqlite3_trace_v2(handle_, on ? SQLITE_TRACE_STMT : 0, on ? trace_statement : nullptr, nullptr);
}

Statement::Statement(Connection& db, std::string_view sql) : db_(db.handle()) {
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) fail(db_, rc, "prepare");
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

void Statement::check(int rc) const {
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
}

Statement& Statement::bind(int index, int64_t value) {
  check(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, double value) {
  check(sqlite3_bind_double(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  check(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind_blob(int index, const void* data, size_t size) {
  check(sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bind(int index, std::nullptr_t) {
  check(sqlite3_bind_null(stmt_, index));
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, rc, "step");
}

void Statement::run() {
  // Reset even when a step throws, so the statement never holds a transaction open.
  Reset done(*this);
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int col) const {
  return std::string(text_view(col));
}

std::string_view Statement::text_view(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (!p) return {};
  return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

std::string_view Statement::blob_view(int col) const {
  auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  if (!p) return {};
  return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

std::optional<std::string> Statement::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

std::optional<int64_t> Statement::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

Transaction::Transaction(Connection& db, Kind kind) : db_(db) {
  db_.cached(kind == Kind::immediate ? "BEGIN IMMEDIATE" : "BEGIN").run();
}

Transaction::~Transaction() {
  if (done_) return;
  // A failed COMMIT may already have rolled back; ROLLBACK then reports "no transaction",
  // which is the state we want anyway.
  sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.cached("COMMIT").run();
  done_ = true;
}

void wait_when_busy(Connection& db) {
  sqlite3_busy_handler(db.handle(), retry_while_busy, nullptr);
}

void configure(Connection& db, bool durable_writes) {
  wait_when_busy(db);
  db.exec("PRAGMA journal_mode=WAL");
  db.exec(durable_writes ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  db.exec("PRAGMA foreign_keys=OFF");
  // A WAL that once grew large (a long reader held checkpoints back) is cut back to this
  // when it starts again from the beginning, instead of keeping its size on disk.
  db.exec("PRAGMA journal_size_limit=67108864");
}

}  // namespace catalog::db
