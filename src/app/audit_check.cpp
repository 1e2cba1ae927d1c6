#include "app/audit_check.hpp"

#include <random>
#include <set>

#include "app/audit_state.hpp"
#include "app/log_audit.hpp"
#include "app/tree_head_signature.hpp"

namespace catalog::app {

using nlohmann::json;

namespace {

std::string str(int64_t n) {
  return std::to_string(n);
}

// GET /audit/key, its key_id recomputed; the key the state pinned wins over the one served.
std::pair<Ed25519PublicKey, AuditState> fetch_key(const HttpGet& get,
                                                  const std::optional<AuditState>& saved) {
  json k = get_json(get, "/audit/key");
  std::string algorithm = string_field(k, "algorithm", "GET /audit/key");
  if (algorithm != "Ed25519")
    throw AuditFailure("the service signs with " + shown(json(algorithm)) + ", not Ed25519");
  std::string pem = string_field(k, "public_key", "GET /audit/key");
  std::optional<Ed25519PublicKey> served;
  try {
    served = Ed25519PublicKey::from_pem(pem);
  } catch (const std::invalid_argument& e) {
    throw AuditFailure(std::string("GET /audit/key: public_key is ") + e.what());
  }
  std::string id = served->key_id();
  if (string_field(k, "key_id", "GET /audit/key") != id)
    throw AuditFailure("GET /audit/key: key_id is not the SHA-256 of the public key, " + id);
  if (!saved) return {*served, AuditState{id, pem, std::nullopt}};
  if (saved->key_id != id)
    throw AuditFailure("the service's signing key changed: pinned " + saved->key_id + ", now " +
                       id);
  std::optional<Ed25519PublicKey> pinned;
  try {
    pinned = Ed25519PublicKey::from_pem(saved->public_key_pem);
  } catch (const std::invalid_argument& e) {
    throw AuditFailure(std::string("the state file's public_key is ") + e.what());
  }
  if (pinned->key_id() != saved->key_id)
    throw AuditFailure("the state file's public key is not the key " + saved->key_id);
  return {*pinned, *saved};
}

SignedTreeHead fetch_head(const HttpGet& get, const Ed25519PublicKey& key,
                          const std::string& key_id) {
  const std::string what = "GET /audit/tree-head";
  json h = get_json(get, "/audit/tree-head");
  SignedTreeHead head;
  head.tree_size = integer_field(h, "tree_size", what);
  if (head.tree_size < 0) throw AuditFailure(what + ": tree_size is negative");
  head.root_hash = string_field(h, "root_hash", what);
  hash_field(h, "root_hash", what);
  head.timestamp = string_field(h, "timestamp", what);
  head.key_id = string_field(h, "key_id", what);
  head.signature = string_field(h, "signature", what);
  if (head.key_id != key_id)
    throw AuditFailure("the tree head names the key " + shown(json(head.key_id)) +
                       ", not the pinned " + key_id);
  if (!verify_tree_head(key, head))
    throw AuditFailure("the signature of the tree head does not verify");
  return head;
}

// The new head must extend the saved one: the service may add events, never change one.
void prove_consistency(const HttpGet& get, const SignedTreeHead& saved,
                       const SignedTreeHead& head) {
  int64_t m = saved.tree_size, n = head.tree_size;
  if (n < m)
    throw AuditFailure("the log shrank: the signed head has " + str(n) + " events, the saved one " +
                       str(m) + " (or the head is older than the saved one)");
  if (n == m) {
    if (head.root_hash != saved.root_hash)
      throw AuditFailure("the signed root of size " + str(n) +
                         " differs from the saved one: the log was rewritten");
    return;
  }
  if (m == 0) return;  // every tree extends the empty one
  std::string target = "/audit/proof/consistency?first=" + str(m) + "&second=" + str(n);
  json p = get_json(get, target);
  if (integer_field(p, "first", "GET " + target) != m ||
      integer_field(p, "second", "GET " + target) != n)
    throw AuditFailure("GET " + target + ": the proof is for other sizes");
  auto path = hash_list_field(p, "consistency_path", "GET " + target);
  if (!merkle::verify_consistency(m, n, path, merkle::from_hex(saved.root_hash),
                                  merkle::from_hex(head.root_hash)))
    throw AuditFailure("the consistency proof from the saved head (size " + str(m) +
                       ") to the signed one (size " + str(n) +
                       ") does not verify: the log was rewritten");
}

// Where inclusion is proven: both ends, both sides of the top split, some inner points, and a
// few the service cannot know in advance.
std::set<int64_t> inclusion_positions(int64_t n) {
  std::set<int64_t> out;
  if (n < 1) return out;
  int64_t split = 1;
  while (split * 2 < n)
    split *= 2;
  for (int64_t p : {int64_t{1}, int64_t{2}, n / 3, n / 2, split, split + 1, n - 1, n})
    if (p >= 1 && p <= n) out.insert(p);
  std::random_device seed;
  std::mt19937_64 random(seed());
  for (int i = 0; i < 3; ++i)
    out.insert(1 + static_cast<int64_t>(random() % static_cast<uint64_t>(n)));
  return out;
}

void prove_inclusion(const HttpGet& get, int64_t position, int64_t n, const merkle::Hash& leaf,
                     const merkle::Hash& root) {
  std::string target = "/audit/proof/inclusion?position=" + str(position) + "&tree_size=" + str(n);
  json p = get_json(get, target);
  if (integer_field(p, "position", "GET " + target) != position ||
      integer_field(p, "tree_size", "GET " + target) != n)
    throw AuditFailure("GET " + target + ": the proof is for another position or size");
  if (hash_field(p, "leaf_hash", "GET " + target) != leaf)
    throw AuditFailure("position " + str(position) +
                       ": the proof's leaf_hash is not SHA-256(0x00 || the event's hash)");
  auto path = hash_list_field(p, "audit_path", "GET " + target);
  if (!merkle::verify_inclusion(position - 1, n, leaf, path, root))
    throw AuditFailure("position " + str(position) +
                       ": the inclusion proof does not verify against the signed root");
}

}  // namespace

AuditReport audit_check(const HttpGet& get, const std::string& state_file,
                        const std::function<void(int64_t, int64_t)>& progress) {
  AuditReport report;
  try {
    std::optional<AuditState> saved = load_audit_state(state_file);
    auto [key, state] = fetch_key(get, saved);
    report.key_id = state.key_id;
    report.key_pinned_now = !saved;
    SignedTreeHead head = fetch_head(get, key, state.key_id);
    report.tree_size = head.tree_size;
    report.root_hash = head.root_hash;
    report.timestamp = head.timestamp;
    if (saved && saved->head) {
      prove_consistency(get, *saved->head, head);
      report.previous_size = saved->head->tree_size;
    }

    std::set<int64_t> positions = inclusion_positions(head.tree_size);
    LogAudit log = audit_log(get, head.tree_size, positions, progress);
    report.events = head.tree_size;
    merkle::Hash signed_root = merkle::from_hex(head.root_hash);
    if (log.root != signed_root)
      throw AuditFailure("the Merkle root of the " + str(head.tree_size) + " events is " +
                         merkle::to_hex(log.root) + ", not the signed root_hash");
    for (int64_t p : positions) {
      prove_inclusion(get, p, head.tree_size, log.leaves.at(p), signed_root);
      ++report.inclusion_proofs;
    }

    state.head = head;
    save_audit_state(state_file, state);
    report.ok = true;
  } catch (const std::exception& e) {
    // AuditFailure, and the rest: no answer, an unreadable state file, a full disk.
    report.failure = e.what();
  }
  return report;
}

}  // namespace catalog::app
