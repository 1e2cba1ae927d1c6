// A signed tree head as API.md "Proofs for auditors" gives it: what the service signs and what
// an auditor checks, in one place so that both sides sign and verify the same bytes.
#pragma once

#include <cstdint>
#include <string>

namespace catalog::merkle {

struct SignedTreeHead {
  int64_t tree_size = 0;
  std::string root_hash;  // lowercase hex, as signed
  std::string timestamp;  // UTC, milliseconds: 2026-11-24T14:00:00.123Z
  std::string key_id;
  std::string signature;  // standard padded base64 of 64 bytes
};

// The UTF-8 bytes that are signed: `catalog-tree-head-v1\n{tree_size}\n{root_hash}\n{timestamp}`,
// no trailing newline.
std::string tree_head_message(const SignedTreeHead& head);

}  // namespace catalog::merkle
