// A real, throwaway PostgreSQL 15 for one test: initdb and pg_ctl in a directory of its own
// on a free port (as the postgres user when the test runs as root), stopped and removed
// afterwards. It runs scripts/throwaway-postgres.sh, as the cluster script and CI do.
#pragma once

#include <string>

namespace catalog::testing {

class TempPostgres {
 public:
  TempPostgres();
  ~TempPostgres();
  TempPostgres(const TempPostgres&) = delete;
  TempPostgres& operator=(const TempPostgres&) = delete;

  // postgresql://postgres:PASSWORD@127.0.0.1:PORT/catalog
  std::string url() const { return url_; }
  const std::string& password() const { return password_; }
  unsigned short port() const { return port_; }
  // Runs SQL in the database "catalog" as the superuser; returns psql's unaligned output.
  // Throws when psql fails.
  std::string sql(const std::string& query) const;
  void stop();
  void start();
  // Copies of the data directory, taken and put back while the server is stopped.
  void save(const std::string& name);
  void restore(const std::string& name);

 private:
  std::string run(const std::string& args) const;
  std::string dir_;
  std::string url_;
  std::string password_;
  unsigned short port_ = 0;
  bool running_ = false;
};

// A TCP port on 127.0.0.1 that nothing listens on right now.
unsigned short free_port();

}  // namespace catalog::testing
