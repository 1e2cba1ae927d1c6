// A temporary SQLite catalog for the fuzz targets that read: migrated to head and seeded
// with a few categories, tags and products, in the event log and in the read tables alike.
#pragma once

#include <memory>
#include <string>

#include "db/thread_connections.hpp"

namespace catalog::fuzz {

class SeededCatalog {
 public:
  SeededCatalog();
  ~SeededCatalog();
  SeededCatalog(const SeededCatalog&) = delete;
  SeededCatalog& operator=(const SeededCatalog&) = delete;

  // Read connections as the io threads have them: query_only, so no input can change the
  // seed and every run sees the same data.
  db::ThreadConnections& reads() { return *reads_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<db::ThreadConnections> reads_;
};

// The process's one catalog, built on first use and removed at exit.
SeededCatalog& seeded_catalog();

}  // namespace catalog::fuzz
