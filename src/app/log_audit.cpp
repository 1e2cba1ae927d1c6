#include "app/log_audit.hpp"

#include <algorithm>
#include <string>

#include "events/clock.hpp"
#include "events/hash_chain.hpp"

namespace catalog::app {

using nlohmann::json;

namespace {

constexpr int64_t page_size = 1000;  // the most GET /events gives at once

// The event as the chain hashes it. `data` is re-serialised the way API.md defines it
// (Python's json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)):
// nlohmann's compact dump() sorts keys (its objects are std::maps), leaves non-ASCII as UTF-8
// and writes floats as Python does (300.0, 1e+16), so it is that text for every value an
// event holds. The served text is not trusted to be canonical: it is parsed and written anew.
events::RecordedEvent chained_fields(const json& e, int64_t position) {
  std::string what = "position " + std::to_string(position);
  events::RecordedEvent rec;
  rec.position = position;
  rec.stream = string_field(e, "stream", what);
  rec.version = integer_field(e, "version", what);
  rec.type = string_field(e, "type", what);
  if (!e.contains("data")) throw AuditFailure(what + ": the event has no data");
  rec.data = e.at("data").dump();
  std::string recorded_at = string_field(e, "recorded_at", what);
  auto millis = events::parse_iso(recorded_at);
  // The hash covers the text as served; the chain function takes a time, so the text must
  // be exactly the one that time is written as.
  if (!millis || events::format_iso(*millis) != recorded_at)
    throw AuditFailure(what + ": recorded_at " + shown(json(recorded_at)) +
                       " is not a UTC time like 2026-11-24T14:00:00.123Z");
  rec.recorded_at = *millis;
  return rec;
}

}  // namespace

LogAudit audit_log(const HttpGet& get, int64_t tree_size, const std::set<int64_t>& keep,
                   const std::function<void(int64_t, int64_t)>& progress) {
  LogAudit out;
  merkle::Frontier frontier;
  std::string previous(events::genesis_hash);
  int64_t done = 0;
  while (done < tree_size) {
    int64_t limit = std::min(page_size, tree_size - done);
    std::string target =
        "/events?after=" + std::to_string(done) + "&limit=" + std::to_string(limit);
    json page = get_json(get, target);
    if (!page.is_array()) throw AuditFailure("GET " + target + ": the answer is not a list");
    if (page.empty())
      throw AuditFailure("the log ends at position " + std::to_string(done) +
                         ", short of the signed tree_size " + std::to_string(tree_size));
    for (const json& e : page) {
      int64_t expected = done + 1;
      int64_t position = integer_field(e, "position", "the event after " + std::to_string(done));
      if (position != expected)
        throw AuditFailure("position " + std::to_string(expected) + ": the log gives position " +
                           std::to_string(position) + " there (a gap or a repeat)");
      std::string hash = string_field(e, "hash", "position " + std::to_string(position));
      std::string recomputed = events::chain_hash(previous, chained_fields(e, position));
      if (hash != recomputed)
        throw AuditFailure("position " + std::to_string(position) +
                           ": the hash does not recompute");
      merkle::Hash leaf = merkle::leaf_hash(merkle::from_hex(recomputed));
      frontier.push(leaf, nullptr);
      if (keep.count(position)) out.leaves[position] = leaf;
      previous = std::move(recomputed);
      if (++done == tree_size) break;  // the log grew meanwhile: the rest is not under this head
    }
    if (progress) progress(done, tree_size);
  }
  out.root = tree_size > 0 ? frontier.root() : merkle::sha256("");
  return out;
}

}  // namespace catalog::app
