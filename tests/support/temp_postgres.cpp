#include "support/temp_postgres.hpp"

#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace catalog::testing {

namespace {

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

unsigned short free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TempPostgres::TempPostgres() {
  std::string pattern = "/tmp/catalog-pg-XXXXXX";
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  port_ = free_port();
  run("init " + shell_quoted(dir_) + " " + std::to_string(port_));
  start();
  std::ifstream(dir_ + "/password") >> password_;
  url_ = "postgresql://postgres:" + password_ + "@127.0.0.1:" + std::to_string(port_) + "/catalog";
}

TempPostgres::~TempPostgres() {
  try {
    stop();
  } catch (const std::exception&) {
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string TempPostgres::run(const std::string& args) const {
  std::string command =
      std::string(CATALOG_SOURCE_DIR) + "/scripts/throwaway-postgres.sh " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::string out;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe))
    out.append(buf.data(), n);
  int status = pclose(pipe);
  if (status != 0) throw std::runtime_error("throwaway-postgres.sh " + args + " failed:\n" + out);
  return out;
}

std::string TempPostgres::sql(const std::string& query) const {
  std::string out = run("psql " + shell_quoted(dir_) + " " + shell_quoted(query));
  while (!out.empty() && out.back() == '\n')
    out.pop_back();
  return out;
}

void TempPostgres::stop() {
  if (!running_) return;
  run("stop " + shell_quoted(dir_));
  running_ = false;
}

void TempPostgres::start() {
  run("start " + shell_quoted(dir_));
  running_ = true;
}

void TempPostgres::save(const std::string& name) {
  run("save " + shell_quoted(dir_) + " " + shell_quoted(name));
}

void TempPostgres::restore(const std::string& name) {
  run("restore " + shell_quoted(dir_) + " " + shell_quoted(name));
}

}  // namespace catalog::testing
