// The Telegram message of one committed event: readable text naming the entity as it was
// (its name, prices, category and tags), what changed on an update, what was deleted.
// Plain text (no parse mode), so no character of a product name can break the markup.
#pragma once

#include <string>
#include <string_view>

#include "events/event_store.hpp"
#include "events/recorded_event.hpp"

namespace catalog::notify {

// Telegram refuses messages over 4096 characters (UTF-16 code units).
inline constexpr size_t max_message_units = 4096;

// The text for `e`, reading the log through `store` for the state around it.
std::string message_for(const events::RecordedEvent& e, events::EventStore& store);

// 180.0 reads as "180", 250.5 as "250.5", 1e6 as "1000000": the shortest fixed notation
// that reads back as the same number.
std::string price_text(double v);

// Cuts `text` to at most `max_units` UTF-16 code units at a character boundary, ending
// with "…" when it had to cut.
std::string cut_to_limit(std::string_view text, size_t max_units = max_message_units);

}  // namespace catalog::notify
