#include "merkle/tree.hpp"

#include <openssl/evp.h>

#include <bit>
#include <memory>
#include <stdexcept>

namespace catalog::merkle {

namespace {

struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

Hash digest(std::initializer_list<std::string_view> parts) {
  // One context per thread: every appended event hashes at least twice here.
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 is not available");
  for (auto p : parts)
    EVP_DigestUpdate(ctx.get(), p.data(), p.size());
  Hash out;
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), out.data(), &len);
  return out;
}

std::string_view bytes(const Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

bool is_power_of_two(int64_t n) {
  return n > 0 && (n & (n - 1)) == 0;
}

// The largest power of two smaller than n (n >= 2): where RFC 9162 splits a tree.
int64_t split_point(int64_t n) {
  return int64_t{1} << (std::bit_width(static_cast<uint64_t>(n - 1)) - 1);
}

int log2_exact(int64_t n) {
  return std::countr_zero(static_cast<uint64_t>(n));
}

// Answers node requests in two passes over the same computation: the first only records the
// ids (returning placeholders), the second returns the fetched hashes in the same order.
class Nodes {
 public:
  Hash operator()(const NodeId& id) {
    if (fetched_ == nullptr) {
      ids_.push_back(id);
      return {};
    }
    return (*fetched_)[next_++];
  }

  template <typename Compute>
  static auto run(const NodeFetch& fetch, Compute compute) {
    Nodes nodes;
    compute(nodes);
    std::vector<Hash> hashes = fetch(nodes.ids_);
    if (hashes.size() != nodes.ids_.size())
      throw std::runtime_error("the Merkle tree store answered " + std::to_string(hashes.size()) +
                               " hashes for " + std::to_string(nodes.ids_.size()) + " nodes");
    nodes.fetched_ = &hashes;
    return compute(nodes);
  }

 private:
  std::vector<NodeId> ids_;
  const std::vector<Hash>* fetched_ = nullptr;
  size_t next_ = 0;
};

// MTH(D[start:start+size]), where start is a multiple of the largest power of two <= size
// (true of every subtree the RFC's recursions visit).
Hash subtree(Nodes& nodes, int64_t start, int64_t size) {
  if (is_power_of_two(size)) {
    int level = log2_exact(size);
    return nodes({level, start >> level});
  }
  int64_t k = split_point(size);
  Hash left = subtree(nodes, start, k);
  return node_hash(left, subtree(nodes, start + k, size - k));
}

// PATH(m, D[start:start+size]) of RFC 9162 §2.1.3.1, appended to `out` leaf side first.
void path(Nodes& nodes, int64_t m, int64_t start, int64_t size, std::vector<Hash>& out) {
  if (size == 1) return;
  int64_t k = split_point(size);
  if (m < k) {
    path(nodes, m, start, k, out);
    out.push_back(subtree(nodes, start + k, size - k));
  } else {
    path(nodes, m - k, start + k, size - k, out);
    out.push_back(subtree(nodes, start, k));
  }
}

// SUBPROOF(m, D[start:start+size], b) of RFC 9162 §2.1.4.1.
void subproof(Nodes& nodes, int64_t m, int64_t start, int64_t size, bool whole,
              std::vector<Hash>& out) {
  if (m == size) {
    if (!whole) out.push_back(subtree(nodes, start, size));
    return;
  }
  int64_t k = split_point(size);
  if (m <= k) {
    subproof(nodes, m, start, k, whole, out);
    out.push_back(subtree(nodes, start + k, size - k));
  } else {
    subproof(nodes, m - k, start + k, size - k, false, out);
    out.push_back(subtree(nodes, start, k));
  }
}

}  // namespace

Hash sha256(std::string_view data) {
  return digest({data});
}

Hash leaf_hash(const Hash& entry) {
  return digest({std::string_view("\0", 1), bytes(entry)});
}

Hash node_hash(const Hash& left, const Hash& right) {
  return digest({std::string_view("\1", 1), bytes(left), bytes(right)});
}

std::string to_hex(const Hash& h) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (size_t i = 0; i < h.size(); ++i) {
    out[2 * i] = digits[h[i] >> 4];
    out[2 * i + 1] = digits[h[i] & 0xf];
  }
  return out;
}

Hash from_hex(std::string_view hex) {
  auto value = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("not a hex digit in a SHA-256 hash");
  };
  if (hex.size() != 64) throw std::invalid_argument("a SHA-256 hash is 64 hex digits");
  Hash out;
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<unsigned char>(value(hex[2 * i]) << 4 | value(hex[2 * i + 1]));
  return out;
}

Hash root(const NodeFetch& fetch, int64_t size) {
  if (size < 1) throw std::invalid_argument("a tree head needs at least one leaf");
  return Nodes::run(fetch, [&](Nodes& nodes) { return subtree(nodes, 0, size); });
}

std::vector<Hash> inclusion_path(const NodeFetch& fetch, int64_t index, int64_t size) {
  if (index < 0 || index >= size) throw std::invalid_argument("leaf index outside the tree");
  return Nodes::run(fetch, [&](Nodes& nodes) {
    std::vector<Hash> out;
    path(nodes, index, 0, size, out);
    return out;
  });
}

std::vector<Hash> consistency_path(const NodeFetch& fetch, int64_t first, int64_t second) {
  if (first < 1 || first > second) throw std::invalid_argument("need 1 <= first <= second");
  if (first == second) return {};
  return Nodes::run(fetch, [&](Nodes& nodes) {
    std::vector<Hash> out;
    subproof(nodes, first, 0, second, true, out);
    return out;
  });
}

std::vector<NodeId> decomposition(int64_t size) {
  std::vector<NodeId> out;
  int64_t start = 0;
  for (int level = 62; level >= 0; --level) {
    int64_t span = int64_t{1} << level;
    if (size & span) {
      out.push_back({level, start >> level});
      start += span;
    }
  }
  return out;
}

int64_t inner_node_count(int64_t size) {
  return size - std::popcount(static_cast<uint64_t>(size));
}

Frontier::Frontier(int64_t size, std::vector<Hash> decomposition_hashes)
    : size_(size), stack_(std::move(decomposition_hashes)) {
  if (stack_.size() != decomposition(size).size())
    throw std::invalid_argument("a frontier needs one hash per node of its decomposition");
}

void Frontier::push(const Hash& leaf,
                    const std::function<void(const NodeId&, const Hash&)>& completed) {
  Hash current = leaf;
  int level = 0;
  // A leaf at an odd index closes its parent, and so on up while the index stays odd.
  for (int64_t index = size_; index & 1; index >>= 1) {
    current = node_hash(stack_.back(), current);
    stack_.pop_back();
    ++level;
    if (completed) completed(NodeId{level, index >> 1}, current);
  }
  stack_.push_back(current);
  ++size_;
}

Hash Frontier::root() const {
  if (stack_.empty()) throw std::logic_error("an empty tree has no head here");
  Hash r = stack_.back();
  for (size_t i = stack_.size() - 1; i-- > 0;)
    r = node_hash(stack_[i], r);
  return r;
}

bool verify_inclusion(int64_t index, int64_t size, const Hash& leaf, const std::vector<Hash>& path,
                      const Hash& root) {
  if (index < 0 || index >= size) return false;
  int64_t fn = index, sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : path) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = node_hash(p, r);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool verify_consistency(int64_t first, int64_t second, const std::vector<Hash>& path,
                        const Hash& first_root, const Hash& second_root) {
  if (first < 1 || first > second) return false;
  if (first == second) return path.empty() && first_root == second_root;
  if (path.empty()) return false;
  std::vector<Hash> p;
  // When `first` is a power of two its root is a node of the proof the RFC leaves out.
  if (is_power_of_two(first)) p.push_back(first_root);
  p.insert(p.end(), path.begin(), path.end());
  int64_t fn = first - 1, sn = second - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = p[0], sr = p[0];
  for (size_t i = 1; i < p.size(); ++i) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = node_hash(p[i], fr);
      sr = node_hash(p[i], sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = node_hash(sr, p[i]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == first_root && sr == second_root;
}

}  // namespace catalog::merkle
