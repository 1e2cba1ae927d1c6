// The full read of an audit: every event from the first to a signed head's tree_size, through
// GET /events, each chain hash recomputed from the event's fields as API.md defines it, and
// the Merkle tree of RFC 9162 grown over the event hashes to compare with the signed root.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>

#include "app/audit_answers.hpp"
#include "merkle/tree.hpp"

namespace catalog::app {

struct LogAudit {
  merkle::Hash root;                       // MTH of the first tree_size leaves
  std::map<int64_t, merkle::Hash> leaves;  // position -> leaf hash, for the positions kept
};

// Throws AuditFailure naming the first position that does not hold (a gap, a hash that does
// not recompute, a log shorter than tree_size). Events past tree_size are not read.
// `progress(done, total)` is called after each page.
LogAudit audit_log(const HttpGet& get, int64_t tree_size, const std::set<int64_t>& keep,
                   const std::function<void(int64_t, int64_t)>& progress = nullptr);

}  // namespace catalog::app
