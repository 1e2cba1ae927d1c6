// `catalog audit check` without its command line: one audit of a service through its HTTP
// answers (API.md "Proofs for auditors") against the state kept from the audit before.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "app/audit_answers.hpp"

namespace catalog::app {

struct AuditReport {
  bool ok = false;
  std::string failure;  // the first check that did not hold, when !ok
  std::optional<int64_t> tree_size;
  std::optional<std::string> root_hash;
  std::string timestamp;
  std::string key_id;
  int64_t events = 0;  // events read and recomputed
  bool key_pinned_now = false;
  std::optional<int64_t> previous_size;  // the saved head this one was proven to extend
  int inclusion_proofs = 0;
};

// Fetches the key and the signed head, checks the signature with the pinned key (pinning it
// on first use), proves consistency with the saved head, reads and recomputes every event up
// to the head, compares the Merkle root and verifies some inclusion proofs; saves the new head
// to `state_file` only when all of that held. Network errors are failures too.
AuditReport audit_check(const HttpGet& get, const std::string& state_file,
                        const std::function<void(int64_t, int64_t)>& progress = nullptr);

}  // namespace catalog::app
