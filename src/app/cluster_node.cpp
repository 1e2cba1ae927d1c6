#include "app/cluster_node.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <vector>

#include "app/buffered_log.hpp"
#include "db/migrations.hpp"
#include "db/sqlite.hpp"
#include "pg/connection.hpp"

namespace catalog::app {

namespace {

std::vector<std::string> command_line;

// Every descriptor but the standard three closes in the new program: the listening socket
// among them, so the restarted server can bind its port again.
void close_on_exec() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return;
  while (dirent* entry = readdir(dir)) {
    int fd = std::atoi(entry->d_name);
    if (fd > 2 && fd != dirfd(dir)) fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  closedir(dir);
}

}  // namespace

void prepare_cluster_node(const Config& c) {
  pg::Connection shared(pg::ConnectOptions{*c.postgres_url, "catalog-migrate"});
  auto encoding = std::string(shared.exec("SHOW server_encoding").text(0, 0));
  if (encoding != "UTF8")
    throw std::runtime_error("the PostgreSQL database's encoding is " + encoding +
                             ": the catalog needs UTF8 (CREATE DATABASE ... ENCODING 'UTF8')");
  db::migrate_to_head(shared);
  db::Connection local(c.read_model_path, db::OpenMode::read_write_create);
  db::configure(local, false);
  db::migrate_to_head(local);
}

void remember_command_line(int argc, char** argv) {
  command_line.assign(argv, argv + argc);
}

void rebuild_and_restart(const Config& c, const std::string& why) {
  auto stamp = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  std::string aside = c.read_model_path + ".forked-" + std::to_string(stamp);
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::string from = c.read_model_path + suffix;
    if (std::filesystem::exists(from, ec)) std::filesystem::rename(from, aside + suffix, ec);
  }
  spdlog::critical("cluster: read model moved to {}; starting again to rebuild it from the log",
                   aside);
  flush_log();
  // The new process says why on /health while it catches up.
  setenv("CATALOG_REBUILDING_BECAUSE", why.c_str(), 1);
  close_on_exec();
  std::vector<char*> argv;
  for (auto& a : command_line)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  execv("/proc/self/exe", argv.data());
  spdlog::critical("cluster: cannot start again: {}", std::strerror(errno));
  flush_log();
}

}  // namespace catalog::app
