// The hash chain that makes the log tamper-evident: each event's hash covers its own fields
// and the previous event's hash, so changing, removing or reordering any event changes
// every hash after it.
#pragma once

#include <string>
#include <string_view>

#include "events/recorded_event.hpp"

namespace catalog::events {

// The hash that stands before the first event.
inline constexpr std::string_view genesis_hash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// hex(SHA-256(previous || "\n" || position || "\n" || stream || "\n" || version || "\n" ||
// type || "\n" || recorded_at (ISO 8601) || "\n" || data)). The event's own `hash` field is
// not part of the input.
std::string chain_hash(std::string_view previous, const RecordedEvent& e);

}  // namespace catalog::events
