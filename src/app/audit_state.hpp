// What `catalog audit check` keeps between runs: the service's public key, pinned on first
// use, and the last tree head it verified in full. The next run holds the service to both.
#pragma once

#include <optional>
#include <string>

#include "app/tree_head_signature.hpp"

namespace catalog::app {

struct AuditState {
  std::string key_id;
  std::string public_key_pem;
  std::optional<SignedTreeHead> head;
};

// nullopt when there is no file (the first run). Throws std::runtime_error when the file is
// there but is not a state this program wrote: starting over would silently drop the pin.
std::optional<AuditState> load_audit_state(const std::string& path);

// Replaces the file atomically (a temporary file beside it, fsync, rename): a crash leaves
// the old state or the new one, never half of one.
void save_audit_state(const std::string& path, const AuditState& state);

}  // namespace catalog::app
