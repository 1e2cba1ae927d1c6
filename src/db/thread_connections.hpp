// One read connection per thread that asks, opened on first use and kept: io threads read
// the projection tables without locks, a pool or an actor hop, each with its own cache of
// prepared statements. WAL lets these readers run beside the single writer.
#pragma once

#include <cstdint>
#include <string>

#include "db/sqlite.hpp"

namespace catalog::db {

class ThreadConnections {
 public:
  ThreadConnections(std::string path, bool sql_echo);
  // The calling thread's connection to this database.
  Connection& get();

 private:
  std::string path_;
  bool sql_echo_;
  uint64_t id_;  // tells this object's connections apart from an earlier one's at the same address
};

}  // namespace catalog::db
