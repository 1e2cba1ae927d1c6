// A fresh directory under /tmp for one test's database and logs, removed afterwards.
#pragma once

#include <filesystem>
#include <string>

namespace catalog::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace catalog::testing
