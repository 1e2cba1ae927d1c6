// The Merkle tree of RFC 9162 §2.1 behind the auditors' proofs: published known answers,
// every proof of every tree up to 256 leaves checked by a verifier written here from the
// RFC's definitions (not from merkle::verify_*), the frontier the writer grows, and the
// number of stored nodes each computation reads.
#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "merkle/tree.hpp"

using namespace catalog::merkle;

namespace {

// ---- the reference: straight from the definitions of RFC 9162 §2.1 ----------------------

std::string raw(const Hash& h) {
  return std::string(h.begin(), h.end());
}

Hash ref_leaf(std::string_view input) {
  return sha256(std::string(1, '\0') + std::string(input));
}

Hash ref_node(const Hash& left, const Hash& right) {
  return sha256(std::string(1, '\1') + raw(left) + raw(right));
}

// The largest power of two smaller than n (n > 1), by counting rather than bit tricks.
int64_t largest_power_below(int64_t n) {
  int64_t k = 1;
  while (k * 2 < n)
    k *= 2;
  return k;
}

// MTH(D[lo:hi]) over leaf hashes, by the recursion of §2.1.1.
Hash ref_mth(const std::vector<Hash>& leaves, int64_t lo, int64_t hi) {
  if (hi - lo == 1) return leaves[lo];
  int64_t k = largest_power_below(hi - lo);
  return ref_node(ref_mth(leaves, lo, lo + k), ref_mth(leaves, lo + k, hi));
}

using Path = std::span<const Hash>;

// The root of a tree of n leaves from leaf m's hash and its audit path, undoing PATH(m, D_n)
// of §2.1.3.1 from the top: the path's last hash is the sibling at the top split.
std::optional<Hash> root_from_path(int64_t m, int64_t n, const Hash& leaf, Path path) {
  if (n == 1) return path.empty() ? std::optional<Hash>(leaf) : std::nullopt;
  if (path.empty()) return std::nullopt;
  int64_t k = largest_power_below(n);
  const Hash& sibling = path.back();
  Path rest = path.first(path.size() - 1);
  if (m < k) {
    auto left = root_from_path(m, k, leaf, rest);
    return left ? std::optional<Hash>(ref_node(*left, sibling)) : std::nullopt;
  }
  auto right = root_from_path(m - k, n - k, leaf, rest);
  return right ? std::optional<Hash>(ref_node(sibling, *right)) : std::nullopt;
}

bool ref_verify_inclusion(int64_t m, int64_t n, const Hash& leaf, Path path, const Hash& root) {
  if (m < 0 || m >= n) return false;
  auto r = root_from_path(m, n, leaf, path);
  return r && *r == root;
}

struct Roots {
  Hash first;   // of the first m leaves of the subtree
  Hash second;  // of the whole subtree
};

// Both roots of a subtree from SUBPROOF(m, D[n], b) of §2.1.4.1, undone from the top. Where
// the RFC leaves the first tree's root out of the proof (b true, m = n), it is `first_root`.
std::optional<Roots> roots_from_subproof(int64_t m, int64_t n, bool whole, const Hash& first_root,
                                         Path proof) {
  if (m == n) {
    if (whole) return proof.empty() ? std::optional<Roots>({first_root, first_root}) : std::nullopt;
    return proof.size() == 1 ? std::optional<Roots>({proof[0], proof[0]}) : std::nullopt;
  }
  if (proof.empty()) return std::nullopt;
  int64_t k = largest_power_below(n);
  const Hash& sibling = proof.back();
  Path rest = proof.first(proof.size() - 1);
  if (m <= k) {  // the first tree lies in the left subtree; the right one is new
    auto sub = roots_from_subproof(m, k, whole, first_root, rest);
    if (!sub) return std::nullopt;
    return Roots{sub->first, ref_node(sub->second, sibling)};
  }
  auto sub = roots_from_subproof(m - k, n - k, false, first_root, rest);
  if (!sub) return std::nullopt;
  return Roots{ref_node(sibling, sub->first), ref_node(sibling, sub->second)};
}

bool ref_verify_consistency(int64_t m, int64_t n, Path proof, const Hash& first_root,
                            const Hash& second_root) {
  if (m < 1 || m > n) return false;
  if (m == n) return proof.empty() && first_root == second_root;
  auto roots = roots_from_subproof(m, n, true, first_root, proof);
  return roots && roots->first == first_root && roots->second == second_root;
}

// ---- a tree in memory: every complete subtree's hash, computed naively from the leaves --

class MemoryTree {
 public:
  explicit MemoryTree(std::vector<Hash> leaves) : leaves_(std::move(leaves)) {
    for (int64_t span = 1, level = 0; span <= size(); span *= 2, ++level)
      for (int64_t i = 0; (i + 1) * span <= size(); ++i)
        nodes_[{static_cast<int>(level), i}] = ref_mth(leaves_, i * span, (i + 1) * span);
  }

  int64_t size() const { return static_cast<int64_t>(leaves_.size()); }
  const Hash& leaf(int64_t i) const { return leaves_[i]; }
  const Hash& node(const NodeId& id) const { return nodes_.at(id); }
  Hash mth(int64_t n) const { return ref_mth(leaves_, 0, n); }

  // The store as a tree of `n` leaves shows it: asking for a node beyond it is a bug.
  NodeFetch fetch(int64_t n) const {
    return [this, n](const std::vector<NodeId>& ids) {
      std::vector<Hash> out;
      for (const NodeId& id : ids) {
        INFO("node level " << id.level << " index " << id.index << " of a tree of " << n);
        REQUIRE(id.level >= 0);
        REQUIRE(id.index >= 0);
        REQUIRE(((id.index + 1) << id.level) <= n);
        out.push_back(node(id));
      }
      return out;
    };
  }

 private:
  std::vector<Hash> leaves_;
  std::map<NodeId, Hash> nodes_;
};

// ---- published known answers -----------------------------------------------------------
// The reference tree of RFC 6962 implementations: eight leaf inputs, the roots of the trees
// of their first 1..8, and some audit paths and consistency proofs. From
// google/certificate-transparency cpp/merkletree/merkle_tree_test.cc (kInputs, kSHA256Roots,
// kSHA256Paths, kSHA256Proofs) and transparency-dev/merkle proof/verify_test.go (leaves, roots,
// inclusionProofs, consistencyProofs, which adds the 6 -> 7 proof). Leaf numbers there are
// 1-based.

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

const std::vector<std::string> kat_inputs = {
    unhex(""),
    unhex("00"),
    unhex("10"),
    unhex("2021"),
    unhex("3031"),
    unhex("40414243"),
    unhex("5051525354555657"),
    unhex("606162636465666768696a6b6c6d6e6f"),
};

const std::vector<std::string> kat_roots = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

struct KatProof {
  int64_t a;  // inclusion: the 1-based leaf; consistency: the first size
  int64_t b;  // the tree size; consistency: the second size
  std::vector<std::string> hashes;
};

const std::vector<KatProof> kat_paths = {
    {1, 1, {}},
    {1,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {3, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {2,
     5,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

const std::vector<KatProof> kat_consistency = {
    {1, 1, {}},
    {1,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6,
     7,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

std::vector<std::string> hex_all(const std::vector<Hash>& hashes) {
  std::vector<std::string> out;
  for (const Hash& h : hashes)
    out.push_back(to_hex(h));
  return out;
}

MemoryTree kat_tree() {
  std::vector<Hash> leaves;
  for (const auto& input : kat_inputs)
    leaves.push_back(ref_leaf(input));
  return MemoryTree(std::move(leaves));
}

// Leaves as the service has them: leaf inputs of 32 bytes (an event's hash).
MemoryTree service_tree(int64_t n) {
  std::vector<Hash> leaves;
  for (int64_t i = 0; i < n; ++i)
    leaves.push_back(leaf_hash(sha256("event " + std::to_string(i))));
  return MemoryTree(std::move(leaves));
}

Hash flipped(Hash h, size_t byte = 0) {
  h[byte % h.size()] ^= 0x10;
  return h;
}

// Both verifiers, which must agree on every input.
bool inclusion_holds(int64_t m, int64_t n, const Hash& leaf, const std::vector<Hash>& path,
                     const Hash& root) {
  bool ours = verify_inclusion(m, n, leaf, path, root);
  bool ref = ref_verify_inclusion(m, n, leaf, path, root);
  INFO("inclusion of " << m << " in " << n << ": merkle::verify_inclusion " << ours
                       << ", the reference " << ref);
  CHECK(ours == ref);
  return ours && ref;
}

bool consistency_holds(int64_t m, int64_t n, const std::vector<Hash>& proof, const Hash& r1,
                       const Hash& r2) {
  bool ours = verify_consistency(m, n, proof, r1, r2);
  bool ref = ref_verify_consistency(m, n, proof, r1, r2);
  INFO("consistency " << m << " -> " << n << ": merkle::verify_consistency " << ours
                      << ", the reference " << ref);
  CHECK(ours == ref);
  return ours && ref;
}

}  // namespace

TEST_CASE("SHA-256, leaf and node hashes are those of RFC 9162") {
  CHECK(to_hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(to_hex(sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Hash entry = sha256("an event's hash");
  CHECK(leaf_hash(entry) == ref_leaf(raw(entry)));
  CHECK(node_hash(entry, flipped(entry)) == ref_node(entry, flipped(entry)));
  CHECK(from_hex(to_hex(entry)) == entry);
  CHECK(from_hex("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855") == sha256(""));
  CHECK_THROWS_AS(from_hex("e3b0"), std::invalid_argument);
  CHECK_THROWS_AS(from_hex(std::string(64, 'g')), std::invalid_argument);
}

TEST_CASE("the roots of the published reference tree of sizes 1 to 8") {
  MemoryTree tree = kat_tree();
  for (int64_t n = 1; n <= 8; ++n) {
    INFO("size " << n);
    CHECK(to_hex(tree.mth(n)) == kat_roots[n - 1]);  // the reference agrees with the vectors
    CHECK(to_hex(root(tree.fetch(n), n)) == kat_roots[n - 1]);
  }
}

TEST_CASE("the published audit paths of the reference tree") {
  MemoryTree tree = kat_tree();
  for (const auto& kat : kat_paths) {
    int64_t index = kat.a - 1, n = kat.b;
    INFO("leaf " << kat.a << " of " << n);
    auto path = inclusion_path(tree.fetch(n), index, n);
    CHECK(hex_all(path) == kat.hashes);
    CHECK(inclusion_holds(index, n, tree.leaf(index), path, from_hex(kat_roots[n - 1])));
  }
}

TEST_CASE("the published consistency proofs of the reference tree") {
  MemoryTree tree = kat_tree();
  for (const auto& kat : kat_consistency) {
    INFO("from " << kat.a << " to " << kat.b);
    auto proof = consistency_path(tree.fetch(kat.b), kat.a, kat.b);
    CHECK(hex_all(proof) == kat.hashes);
    CHECK(consistency_holds(kat.a, kat.b, proof, from_hex(kat_roots[kat.a - 1]),
                            from_hex(kat_roots[kat.b - 1])));
  }
}

TEST_CASE("every root, audit path and consistency proof of trees up to 256 leaves verifies") {
  constexpr int64_t max_size = 256;
  MemoryTree tree = service_tree(max_size);
  std::vector<Hash> roots{Hash{}};  // roots[n]: the tree of n leaves
  for (int64_t n = 1; n <= max_size; ++n) {
    roots.push_back(tree.mth(n));
    INFO("size " << n);
    REQUIRE(root(tree.fetch(n), n) == roots[n]);
  }
  for (int64_t n = 1; n <= max_size; ++n) {
    for (int64_t m = 0; m < n; ++m) {
      auto path = inclusion_path(tree.fetch(n), m, n);
      INFO("leaf " << m << " of " << n);
      REQUIRE(inclusion_holds(m, n, tree.leaf(m), path, roots[n]));
    }
    for (int64_t m = 1; m <= n; ++m) {
      auto proof = consistency_path(tree.fetch(n), m, n);
      INFO("from " << m << " to " << n);
      CHECK(proof.empty() == (m == n));
      REQUIRE(consistency_holds(m, n, proof, roots[m], roots[n]));
    }
  }
}

TEST_CASE("a changed hash, index or size fails an audit path") {
  constexpr int64_t max_size = 128;
  MemoryTree tree = service_tree(max_size);
  Hash other = sha256("not a root");
  for (int64_t n = 1; n <= max_size; ++n) {
    Hash r = tree.mth(n);
    for (int64_t m = 0; m < n; ++m) {
      auto path = inclusion_path(tree.fetch(n), m, n);
      INFO("leaf " << m << " of " << n);
      CHECK_FALSE(inclusion_holds(m, n, flipped(tree.leaf(m)), path, r));
      CHECK_FALSE(inclusion_holds(m, n, tree.leaf(m), path, flipped(r, 31)));
      CHECK_FALSE(inclusion_holds(m - 1, n, tree.leaf(m), path, r));
      CHECK_FALSE(inclusion_holds(m + 1, n, tree.leaf(m), path, r));
      CHECK_FALSE(inclusion_holds(m ^ 2, n, tree.leaf(m), path, r));
      CHECK_FALSE(inclusion_holds(m, n * 2, tree.leaf(m), path, r));
      CHECK_FALSE(inclusion_holds(m, n / 2, tree.leaf(m), path, r));
      for (size_t i = 0; i < path.size(); ++i) {
        auto bad = path;
        bad[i] = flipped(bad[i], static_cast<size_t>(m + n));
        CHECK_FALSE(inclusion_holds(m, n, tree.leaf(m), bad, r));
      }
      auto longer = path;
      longer.push_back(other);
      CHECK_FALSE(inclusion_holds(m, n, tree.leaf(m), longer, r));
      longer.insert(longer.begin(), r);
      longer.pop_back();
      CHECK_FALSE(inclusion_holds(m, n, tree.leaf(m), longer, r));
      if (!path.empty()) {
        auto shorter = path;
        shorter.pop_back();
        CHECK_FALSE(inclusion_holds(m, n, tree.leaf(m), shorter, r));
      }
    }
  }
}

TEST_CASE("a changed hash, size or root fails a consistency proof") {
  constexpr int64_t max_size = 128;
  MemoryTree tree = service_tree(max_size);
  for (int64_t n = 2; n <= max_size; ++n) {
    Hash r2 = tree.mth(n);
    for (int64_t m = 1; m < n; ++m) {
      Hash r1 = tree.mth(m);
      auto proof = consistency_path(tree.fetch(n), m, n);
      INFO("from " << m << " to " << n);
      CHECK_FALSE(consistency_holds(m - 1, n, proof, r1, r2));
      CHECK_FALSE(consistency_holds(m + 1, n, proof, r1, r2));
      CHECK_FALSE(consistency_holds(m ^ 2, n, proof, r1, r2));
      CHECK_FALSE(consistency_holds(m, n * 2, proof, r1, r2));
      CHECK_FALSE(consistency_holds(m, n / 2, proof, r1, r2));
      CHECK_FALSE(consistency_holds(m, n, proof, flipped(r1), r2));
      CHECK_FALSE(consistency_holds(m, n, proof, r1, flipped(r2)));
      CHECK_FALSE(consistency_holds(m, n, proof, r2, r1));
      CHECK_FALSE(consistency_holds(m, n, {}, r1, r2));
      for (size_t i = 0; i < proof.size(); ++i) {
        auto bad = proof;
        bad[i] = flipped(bad[i], static_cast<size_t>(m * n));
        CHECK_FALSE(consistency_holds(m, n, bad, r1, r2));
      }
      auto longer = proof;
      longer.push_back(proof.back());
      CHECK_FALSE(consistency_holds(m, n, longer, r1, r2));
      longer.pop_back();
      longer.insert(longer.begin(), proof.front());
      CHECK_FALSE(consistency_holds(m, n, longer, r1, r2));
      auto shorter = proof;
      shorter.pop_back();
      CHECK_FALSE(consistency_holds(m, n, shorter, r1, r2));
    }
  }
}

TEST_CASE("proofs of impossible sizes are refused") {
  MemoryTree tree = service_tree(4);
  CHECK_THROWS_AS(root(tree.fetch(4), 0), std::invalid_argument);
  CHECK_THROWS_AS(inclusion_path(tree.fetch(4), 4, 4), std::invalid_argument);
  CHECK_THROWS_AS(inclusion_path(tree.fetch(4), -1, 4), std::invalid_argument);
  CHECK_THROWS_AS(consistency_path(tree.fetch(4), 0, 4), std::invalid_argument);
  CHECK_THROWS_AS(consistency_path(tree.fetch(4), 4, 3), std::invalid_argument);
  Hash r = tree.mth(4);
  CHECK_FALSE(verify_inclusion(0, 0, tree.leaf(0), {}, r));
  CHECK_FALSE(verify_consistency(0, 4, {}, r, r));
  CHECK_FALSE(verify_consistency(4, 3, {}, r, r));
  CHECK(verify_consistency(4, 4, {}, r, r));
  CHECK_FALSE(verify_consistency(4, 4, {r}, r, r));
  // A store that answers the wrong number of hashes is a damaged tree, not a proof.
  NodeFetch short_answer = [](const std::vector<NodeId>&) { return std::vector<Hash>{}; };
  CHECK_THROWS_AS(root(short_answer, 3), std::runtime_error);
}

TEST_CASE("the frontier emits each inner node once, as the leaf that completes it arrives") {
  constexpr int64_t max_size = 256;
  MemoryTree tree = service_tree(max_size);
  Frontier frontier;
  std::set<NodeId> emitted;
  // What each push emitted, to compare the rebuilt frontiers with.
  std::vector<std::vector<std::pair<NodeId, Hash>>> pushes(max_size);
  for (int64_t n = 0; n < max_size; ++n) {
    frontier.push(tree.leaf(n), [&](const NodeId& id, const Hash& h) {
      INFO("leaf " << n << " completed level " << id.level << " index " << id.index);
      CHECK(id.level >= 1);
      CHECK(((id.index + 1) << id.level) == n + 1);  // complete now, not before
      CHECK(emitted.insert(id).second);
      CHECK(h == tree.node(id));
      if (!pushes[n].empty()) CHECK(pushes[n].back().first.level == id.level - 1);
      pushes[n].emplace_back(id, h);
    });
    INFO("size " << n + 1);
    CHECK(frontier.size() == n + 1);
    CHECK(static_cast<int64_t>(emitted.size()) == inner_node_count(n + 1));
    CHECK(frontier.root() == tree.mth(n + 1));
  }

  for (int64_t n = 1; n < max_size; ++n) {
    std::vector<Hash> edge;
    int64_t covered = 0;
    for (const NodeId& id : decomposition(n)) {
      CHECK(id.index << id.level == covered);  // highest first, left to right, no gap
      covered += int64_t{1} << id.level;
      edge.push_back(tree.node(id));
    }
    CHECK(covered == n);
    Frontier rebuilt(n, edge);
    INFO("rebuilt at size " << n);
    CHECK(rebuilt.root() == tree.mth(n));
    for (int64_t i = n; i < std::min(max_size, n + 40); ++i) {
      std::vector<std::pair<NodeId, Hash>> got;
      rebuilt.push(tree.leaf(i), [&](const NodeId& id, const Hash& h) { got.emplace_back(id, h); });
      CHECK(got == pushes[i]);
      CHECK(rebuilt.root() == tree.mth(i + 1));
    }
  }
  CHECK_THROWS_AS(Frontier(5, {tree.leaf(0)}), std::invalid_argument);
  CHECK_THROWS_AS(Frontier().root(), std::logic_error);
  CHECK(inner_node_count(0) == 0);
  CHECK(inner_node_count(1) == 0);
  CHECK(inner_node_count(7) == 4);
  CHECK(inner_node_count(8) == 7);
}

TEST_CASE("a root or a proof reads O(log n) nodes, all inside the tree") {
  int64_t asked = 0, calls = 0;
  auto counting = [&](int64_t n) -> NodeFetch {
    return [&, n](const std::vector<NodeId>& ids) {
      ++calls;
      asked = static_cast<int64_t>(ids.size());
      for (const NodeId& id : ids)
        REQUIRE(((id.index + 1) << id.level) <= n);
      return std::vector<Hash>(ids.size());  // nothing computed: only the asking counts
    };
  };
  auto bound = [](int64_t n) { return 2 * static_cast<int64_t>(std::bit_width(uint64_t(n))) + 2; };
  std::vector<int64_t> sizes;
  for (int64_t n = 1; n <= 1024; ++n)
    sizes.push_back(n);
  std::mt19937_64 random(20261124);
  for (int k = 11; k <= 20; ++k) {
    int64_t p = int64_t{1} << k;
    for (int64_t n : {p - 1, p, p + 1, p + p / 2, p + static_cast<int64_t>(random() % p)})
      if (n <= (int64_t{1} << 20)) sizes.push_back(n);
  }
  for (int64_t n : sizes) {
    INFO("size " << n);
    std::set<int64_t> points = {
        0, 1, n / 3, n / 2, n - 2, n - 1, static_cast<int64_t>(random() % n)};
    calls = 0;
    root(counting(n), n);
    CHECK(calls == 1);                                        // one batch: one query on PostgreSQL
    CHECK(asked == std::popcount(static_cast<uint64_t>(n)));  // the decomposition, no more
    for (int64_t m : points) {
      if (m < 0 || m >= n) continue;
      INFO("leaf " << m << ", from " << m + 1);
      calls = 0;
      inclusion_path(counting(n), m, n);
      CHECK(calls == 1);
      CHECK(asked <= bound(n));
      calls = 0;
      asked = 0;
      consistency_path(counting(n), m + 1, n);
      CHECK(calls <= 1);
      CHECK(asked <= bound(n));
    }
  }
}
