#include "app/audit_state.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace catalog::app {

namespace {

using nlohmann::json;

constexpr int format_version = 1;

std::runtime_error system_error(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

void write_all(int fd, const std::string& bytes, const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw system_error("cannot write", path);
    done += static_cast<size_t>(n);
  }
}

// The rename is durable only once the directory that holds the name is on disk too.
void sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::optional<AuditState> load_audit_state(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::nullopt;
    throw std::runtime_error("cannot read the audit state " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    json j = json::parse(text.str());
    if (j.at("version").get<int>() != format_version)
      throw std::runtime_error("version " + j.at("version").dump() + " is not " +
                               std::to_string(format_version));
    AuditState s;
    s.key_id = j.at("key_id").get<std::string>();
    s.public_key_pem = j.at("public_key").get<std::string>();
    if (const json& h = j.at("head"); !h.is_null()) {
      s.head =
          SignedTreeHead{h.at("tree_size").get<int64_t>(), h.at("root_hash").get<std::string>(),
                         h.at("timestamp").get<std::string>(), h.at("key_id").get<std::string>(),
                         h.at("signature").get<std::string>()};
    }
    return s;
  } catch (const std::exception& e) {
    throw std::runtime_error("the audit state " + path + " is damaged (" + e.what() +
                             "); move it away to start over, which pins the key anew");
  }
}

void save_audit_state(const std::string& path, const AuditState& s) {
  json head = nullptr;
  if (s.head) {
    head = json{{"tree_size", s.head->tree_size},
                {"root_hash", s.head->root_hash},
                {"timestamp", s.head->timestamp},
                {"key_id", s.head->key_id},
                {"signature", s.head->signature}};
  }
  json j{{"version", format_version},
         {"key_id", s.key_id},
         {"public_key", s.public_key_pem},
         {"head", head}};
  std::string text = j.dump(2) + "\n";

  std::filesystem::path target(path);
  std::string temp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw system_error("cannot create", temp);
  try {
    write_all(fd, text, temp);
    if (::fsync(fd) != 0) throw system_error("cannot sync", temp);
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    auto error = system_error("cannot write", temp);
    ::unlink(temp.c_str());
    throw error;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    auto error = system_error("cannot replace", path);
    ::unlink(temp.c_str());
    throw error;
  }
  sync_directory(target.parent_path());
}

}  // namespace catalog::app
