// The audit behind `GET /audit/verify` and `catalog verify`: recomputes the whole hash
// chain, replays the log into a scratch read model and compares it with the live tables,
// all in one read snapshot, so writers are never blocked while it runs.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "db/sqlite.hpp"
#include "events/store/event_log.hpp"

namespace catalog::projections {

// A digest an auditor kept: the log up to `position` had head hash `hash`.
struct Digest {
  int64_t position = 0;
  std::string hash;
};

struct VerifyReport {
  bool ok = true;
  int64_t events = 0;                // events in the log
  int64_t position = 0;              // the head position
  std::string head;                  // the head hash
  std::optional<int64_t> failed_at;  // the first position that fails
  std::string problem;               // what failed, for a human
};

// {"ok": true, "events": N, "position": head, "head": hash}; when not ok, "position" is
// the first position that fails and "problem" says why (API.md, GET /audit/verify).
nlohmann::json to_json(const VerifyReport& report);

// Reads through `db` (a connection of its own: the check holds one read transaction).
// `progress` is called now and then with (events checked, total).
//
// On a cluster node `shared` is the shared log: its chain is the one checked (and the
// digest with it); the node's own copy of the log in `db` must be an unbroken prefix of it,
// and the read model is compared with a replay of that copy.
VerifyReport verify(db::Connection& db, const std::optional<Digest>& digest = std::nullopt,
                    const std::function<void(int64_t, int64_t)>& progress = {},
                    events::store::EventLog* shared = nullptr);

}  // namespace catalog::projections
