// What a test reads from a SQLite WAL file's header.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>

namespace catalog::testing {

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
