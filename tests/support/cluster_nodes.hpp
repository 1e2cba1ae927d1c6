// Catalog nodes of a cluster for the tests: each a real `catalog serve` on one throwaway
// PostgreSQL, with its own directory, read model and fixed port (CATALOG_NODE_URL names it).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/server_process.hpp"
#include "support/temp_postgres.hpp"

namespace catalog::testing {

// The environment of a node called `name` under `dir`: DATABASE_URL, PORT, CATALOG_NODE_URL
// and CATALOG_READ_MODEL, over `extra`.
Env node_env(const std::string& dir, const TempPostgres& pg, unsigned short port, Env extra = {});

class ClusterNode {
 public:
  // Starts the node and waits until /health answers 200 (it has caught up).
  ClusterNode(const std::string& parent_dir, const TempPostgres& pg, const std::string& name,
              Env extra = {});
  unsigned short port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string dir() const { return dir_; }
  ServerProcess& process() { return *process_; }

 private:
  std::string dir_;
  unsigned short port_;
  std::unique_ptr<ServerProcess> process_;
};

// Starts `count` nodes at once (each in its own thread) and returns them once all serve.
std::vector<std::unique_ptr<ClusterNode>> start_nodes(const std::string& dir,
                                                      const TempPostgres& pg, int count,
                                                      Env extra = {});

// GET /cluster of a node.
nlohmann::json cluster_of(unsigned short port);

// Polls `done` every 50 ms until it holds or `timeout` passes; returns whether it held.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The index of the node that is the writer, once one is (and -1 after `timeout`). Nodes
// that are null (stopped) are skipped.
int writer_of(const std::vector<std::unique_ptr<ClusterNode>>& nodes,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace catalog::testing
