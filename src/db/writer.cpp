#include "db/writer.hpp"

#include <spdlog/spdlog.h>

#include "db/held_snapshots.hpp"

namespace catalog::db {

Writer::Writer(std::string path, bool durable, bool sql_echo)
    : path_(std::move(path)), durable_(durable), sql_echo_(sql_echo) {
  open();
}

void Writer::open() {
  auto conn = std::make_unique<Connection>(path_, OpenMode::read_write);
  configure(*conn, durable_);
  // The process's db::Checkpointer copies the WAL into the database, off the write path.
  conn->exec("PRAGMA wal_autocheckpoint=0");
  // Read snapshots kept by io threads (ThreadConnections::snapshot) see each commit.
  count_commits(conn->handle(), path_);
  conn->set_echo(sql_echo_);
  conn_ = std::move(conn);
}

void Writer::recover() {
  if (sqlite3_db_readonly(conn_->handle(), "main") != 1) return;
  try {
    open();
  } catch (const std::exception& ex) {
    spdlog::debug("reopening {} failed: {}", path_, ex.what());
  }
}

}  // namespace catalog::db
