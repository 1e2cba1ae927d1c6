// What the tests of WAL checkpoints share: a load of commits, and the WAL header's count of
// restarts.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include "db/sqlite.hpp"

namespace catalog::testing {

// `transactions` commits of 50 rows of 2,000 random bytes (about 100 KB) each, into a table
// `t (id INTEGER PRIMARY KEY, payload BLOB)`.
inline void write_rows(db::Connection& db, int transactions) {
  for (int t = 0; t < transactions; ++t) {
    db::Transaction txn(db);
    auto& insert = db.cached("INSERT INTO t (payload) VALUES (randomblob(2000))");
    for (int i = 0; i < 50; ++i)
      insert.run();
    txn.commit();
  }
}

// How many times the WAL has started again from its beginning: the checkpoint sequence
// number its header carries (bytes 12-15, big-endian), which SQLite counts up at each
// restart.
inline uint32_t wal_restarts(const std::filesystem::path& wal) {
  std::ifstream in(wal, std::ios::binary);
  unsigned char header[16] = {};
  in.read(reinterpret_cast<char*>(header), sizeof header);
  REQUIRE(in.gcount() == sizeof header);
  return uint32_t(header[12]) << 24 | uint32_t(header[13]) << 16 | uint32_t(header[14]) << 8 |
         header[15];
}

}  // namespace catalog::testing
