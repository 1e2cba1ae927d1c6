// Event time: milliseconds since the Unix epoch, written as ISO 8601 UTC with milliseconds
// ("2026-11-24T14:00:00.123Z") in events and API bodies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace catalog::events {

using Millis = int64_t;

Millis now_millis();
std::string format_iso(Millis ms);
// Parses what format_iso writes; nullopt for anything else.
std::optional<Millis> parse_iso(std::string_view text);

}  // namespace catalog::events
