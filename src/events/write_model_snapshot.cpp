#include "events/write_model_snapshot.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace catalog::events {

// ---- WriteModel's side: its private parts put back -------------------------------------

void WriteModel::restore_named(Resource kind, Id id, NamedState state) {
  auto& n = names(kind);
  n.by_folded[state.folded] = id;
  n.by_id[id] = std::move(state);
}

std::string WriteModel::packed_product(Id id) const {
  return products_.packed(id);
}

void WriteModel::restore_packed_product(Id id, std::string_view record) {
  products_.put_packed(id, record);
}

void WriteModel::restore_last_ids(Id category, Id tag, Id product) {
  categories_.last_id = category;
  tags_.last_id = tag;
  last_product_id_ = product;
}

WriteModel WriteModel::clone() const {
  if (journaling_) throw std::logic_error("the write model is copied only between batches");
  WriteModel copy;
  copy.categories_ = categories_;
  copy.tags_ = tags_;
  copy.products_ = products_.clone();
  copy.last_product_id_ = last_product_id_;
  return copy;
}

namespace {

// "catalog write model", then the format's version: a file of another format is refused.
// The products are ProductsById's own records, copied as they are (no decoding either way):
// a change to that record's layout must change `format`.
constexpr char magic[] = "catalog write model\n";
constexpr uint32_t format = 2;
constexpr size_t digest_size = SHA256_DIGEST_LENGTH;

[[noreturn]] void failed(const std::string& what, const std::string& path) {
  throw std::runtime_error("cannot write the write model snapshot " + path + ": " + what + ": " +
                           std::strerror(errno));
}

void write_all(int fd, const std::string& data, const std::string& path) {
  for (size_t done = 0; done < data.size();) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) failed("write", path);
    done += static_cast<size_t>(n);
  }
}

// The snapshot as it is written: to the file a mebibyte at a time, hashed as it goes, each
// piece's writeback begun at once. Encoded whole first, it took a buffer of twice its size
// (~130 MB at a million products) and left its pages in the process; synced only at the
// end, the whole file went to the disk in one burst beside the log's own fsyncs.
class Out {
 public:
  Out(int fd, const std::string& path)
      : fd_(fd), path_(path), sha_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    if (!sha_ || EVP_DigestInit_ex(sha_.get(), EVP_sha256(), nullptr) != 1)
      throw std::runtime_error("cannot hash the write model snapshot");
    buf_.reserve(piece + 4096);
  }
  void bytes(const void* p, size_t n) {
    buf_.append(static_cast<const char*>(p), n);
    if (buf_.size() >= piece) flush();
  }
  template <class T>
  void num(T v) {
    bytes(&v, sizeof v);
  }
  void str(std::string_view s) {
    num(static_cast<uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  // Writes what is left and then the SHA-256 of everything before it.
  void finish() {
    flush();
    unsigned char digest[digest_size];
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(sha_.get(), digest, &n) != 1 || n != digest_size)
      throw std::runtime_error("cannot hash the write model snapshot");
    write_all(fd_, std::string(reinterpret_cast<const char*>(digest), n), path_);
  }

 private:
  static constexpr size_t piece = size_t{1} << 20;

  void flush() {
    if (buf_.empty()) return;
    if (EVP_DigestUpdate(sha_.get(), buf_.data(), buf_.size()) != 1)
      throw std::runtime_error("cannot hash the write model snapshot");
    write_all(fd_, buf_, path_);
    // Best effort: the fsync at the end is what makes it durable.
    ::sync_file_range(fd_, static_cast<off_t>(written_), static_cast<off_t>(buf_.size()),
                      SYNC_FILE_RANGE_WRITE);
    written_ += buf_.size();
    buf_.clear();
  }

  int fd_;
  const std::string& path_;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> sha_;
  std::string buf_;
  size_t written_ = 0;
};

struct Truncated : std::runtime_error {
  Truncated() : std::runtime_error("it ends before its contents do") {}
};

class In {
 public:
  In(const char* p, size_t n) : p_(p), end_(p + n) {}
  void bytes(void* out, size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) throw Truncated();
    std::memcpy(out, p_, n);
    p_ += n;
  }
  template <class T>
  T num() {
    T v;
    bytes(&v, sizeof v);
    return v;
  }
  std::string_view view() {
    auto n = num<uint32_t>();
    if (static_cast<size_t>(end_ - p_) < n) throw Truncated();
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }
  std::string str() { return std::string(view()); }
  bool done() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

void put_names(Out& out, const WriteModel& model, Resource kind) {
  Id last = model.next_id(kind) - 1;
  out.num<int64_t>(last);
  uint64_t count = 0;
  for (Id id = 1; id <= last; ++id)
    count += model.named(kind, id) != nullptr;
  out.num<uint64_t>(count);
  for (Id id = 1; id <= last; ++id) {
    if (const NamedState* n = model.named(kind, id)) {
      out.num<int64_t>(id);
      out.num<int64_t>(n->version);
      out.str(n->name);
      out.str(n->folded);
    }
  }
}

Id get_names(In& in, WriteModel& model, Resource kind) {
  auto last = in.num<int64_t>();
  auto count = in.num<uint64_t>();
  for (uint64_t i = 0; i < count; ++i) {
    auto id = in.num<int64_t>();
    NamedState n;
    n.version = in.num<int64_t>();
    n.name = in.str();
    n.folded = in.str();
    model.restore_named(kind, id, std::move(n));
  }
  return last;
}

}  // namespace

std::string snapshot_path(const std::string& database_path) {
  return database_path + ".write-model";
}

void save_snapshot(const std::string& path, const WriteModel& model, const Head& head,
                   Millis last_recorded_at) {
  // Written aside and renamed into place: the name only ever holds a whole snapshot.
  std::string temporary = path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) failed("open", temporary);
  try {
    Out out(fd, temporary);
    out.bytes(magic, sizeof magic - 1);
    out.num<uint32_t>(format);
    out.num<int64_t>(head.position);
    out.str(head.hash);
    out.num<int64_t>(last_recorded_at);
    put_names(out, model, Resource::category);
    put_names(out, model, Resource::tag);
    Id last = model.next_id(Resource::product) - 1;
    out.num<int64_t>(last);
    out.num<uint64_t>(model.product_count());
    for (Id id = 1; id <= last; ++id) {
      std::string record = model.packed_product(id);
      if (record.empty()) continue;
      out.num<int64_t>(id);
      out.str(record);
    }
    out.finish();
    if (::fsync(fd) != 0) failed("fsync", temporary);
  } catch (...) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) failed("rename", path);
  auto dir = std::filesystem::path(path).parent_path();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

std::optional<ModelSnapshot> load_snapshot(const std::string& path, const HashAt& hash_at,
                                           std::string& why) {
  why.clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) why = std::string("it cannot be opened: ") + std::strerror(errno);
    return std::nullopt;
  }
  std::string data;
  struct stat st {};
  bool read_whole = ::fstat(fd, &st) == 0;
  if (read_whole) {
    data.resize(static_cast<size_t>(st.st_size));
    for (size_t done = 0; read_whole && done < data.size();) {
      ssize_t n = ::read(fd, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) read_whole = false;
      done += n > 0 ? static_cast<size_t>(n) : 0;
    }
  }
  ::close(fd);
  if (!read_whole) {
    why = "it cannot be read";
    return std::nullopt;
  }
  size_t header = sizeof magic - 1 + sizeof(uint32_t);
  if (data.size() < header + digest_size || data.compare(0, sizeof magic - 1, magic) != 0) {
    why = "it is not a write model snapshot";
    return std::nullopt;
  }
  size_t body = data.size() - digest_size;
  unsigned char digest[digest_size];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), body, digest);
  if (std::memcmp(digest, data.data() + body, digest_size) != 0) {
    why = "its digest does not match its contents (cut short or damaged)";
    return std::nullopt;
  }
  try {
    In in(data.data() + sizeof magic - 1, body - (sizeof magic - 1));
    if (in.num<uint32_t>() != format) {
      why = "it is of another format version";
      return std::nullopt;
    }
    ModelSnapshot s;
    s.head.position = in.num<int64_t>();
    s.head.hash = in.str();
    s.last_recorded_at = in.num<int64_t>();
    auto logged = hash_at(s.head.position);
    if (!logged) {
      why = "the log has no event at its position " + std::to_string(s.head.position);
      return std::nullopt;
    }
    if (*logged != s.head.hash) {
      why = "the log's event at its position " + std::to_string(s.head.position) +
            " has another hash (a snapshot of another log)";
      return std::nullopt;
    }
    Id last_category = get_names(in, s.model, Resource::category);
    Id last_tag = get_names(in, s.model, Resource::tag);
    auto last_product = in.num<int64_t>();
    auto count = in.num<uint64_t>();
    for (uint64_t i = 0; i < count; ++i) {
      auto id = in.num<int64_t>();
      std::string_view record = in.view();
      if (id < 1 || id > last_product || record.empty())
        throw std::runtime_error("a product out of range");
      s.model.restore_packed_product(id, record);
    }
    if (!in.done()) throw std::runtime_error("bytes after its contents");
    s.model.restore_last_ids(last_category, last_tag, last_product);
    return s;
  } catch (const std::exception& ex) {
    why = std::string("it does not read as one: ") + ex.what();
    return std::nullopt;
  }
}

}  // namespace catalog::events
