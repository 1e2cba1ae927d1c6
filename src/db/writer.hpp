// The write connection of an actor, opened again when it has become useless: SQLite opens
// a database it may not write (a read-only file or mount) read-only, and such a connection
// stays read-only after the file becomes writable again. It never checkpoints the WAL: a
// db::Checkpointer must run beside it.
#pragma once

#include <memory>
#include <string>

#include "db/sqlite.hpp"

namespace catalog::db {

class Writer {
 public:
  // durable: synchronous=FULL (the event log) rather than NORMAL (what can be rebuilt).
  Writer(std::string path, bool durable, bool sql_echo);
  Connection& get() { return *conn_; }
  // Called after a failed write: a read-only connection is replaced by a fresh one (which
  // is read-only again if the fault has not gone). Never throws.
  void recover();

 private:
  void open();
  std::string path_;
  bool durable_;
  bool sql_echo_;
  std::unique_ptr<Connection> conn_;
};

}  // namespace catalog::db
