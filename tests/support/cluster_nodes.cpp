#include "support/cluster_nodes.hpp"

#include <filesystem>
#include <mutex>
#include <thread>

#include "support/http_client.hpp"

namespace catalog::testing {

Env node_env(const std::string& dir, const TempPostgres& pg, unsigned short port, Env extra) {
  extra.emplace("DATABASE_URL", pg.url());
  extra.emplace("PORT", std::to_string(port));
  extra.emplace("CATALOG_NODE_URL", "http://127.0.0.1:" + std::to_string(port));
  extra.emplace("CATALOG_READ_MODEL", dir + "/read.db");
  return extra;
}

ClusterNode::ClusterNode(const std::string& parent_dir, const TempPostgres& pg,
                         const std::string& name, Env extra)
    : dir_(parent_dir + "/" + name), port_(free_port()) {
  std::filesystem::create_directories(dir_);
  process_ = std::make_unique<ServerProcess>(dir_, dir_ + "/read.db",
                                             node_env(dir_, pg, port_, std::move(extra)));
}

std::vector<std::unique_ptr<ClusterNode>> start_nodes(const std::string& dir,
                                                      const TempPostgres& pg, int count,
                                                      Env extra) {
  std::vector<std::unique_ptr<ClusterNode>> nodes(count);
  std::vector<std::thread> starting;
  std::mutex failed_mutex;
  std::string failed;
  for (int i = 0; i < count; ++i) {
    starting.emplace_back([&, i] {
      try {
        nodes[i] = std::make_unique<ClusterNode>(dir, pg, "node" + std::to_string(i), extra);
      } catch (const std::exception& ex) {
        std::lock_guard lock(failed_mutex);
        failed += ex.what();
      }
    });
  }
  for (auto& t : starting)
    t.join();
  if (!failed.empty()) throw std::runtime_error("a node did not start: " + failed);
  return nodes;
}

nlohmann::json cluster_of(unsigned short port) {
  return http_get(port, "/cluster").json();
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    try {
      if (done()) return true;
    } catch (const std::exception&) {
      // A node that is stopped or starting: not yet.
    }
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int writer_of(const std::vector<std::unique_ptr<ClusterNode>>& nodes,
              std::chrono::milliseconds timeout) {
  int found = -1;
  eventually(
      [&] {
        for (size_t i = 0; i < nodes.size(); ++i) {
          if (!nodes[i] || nodes[i]->process().pid() <= 0) continue;
          if (cluster_of(nodes[i]->port())["role"] == "writer") {
            found = static_cast<int>(i);
            return true;
          }
        }
        return false;
      },
      timeout);
  return found;
}

}  // namespace catalog::testing
