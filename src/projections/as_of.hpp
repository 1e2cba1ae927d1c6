// Point-in-time reads: an entity folded from its events up to a position of the log, with
// what it referred to (category, tags) as those stood at the same position.
#pragma once

#include <cstdint>
#include <optional>

#include "events/event_store.hpp"
#include "events/views.hpp"

namespace catalog::projections {

// The product right after position `at` (at or past the head: as it is now); nullopt if
// it did not exist then.
std::optional<events::ProductView> product_as_of(events::EventStore& store, events::Id id,
                                                 int64_t at);

// A category or tag right after position `at`; nullopt if it did not exist then.
std::optional<events::NamedView> named_as_of(events::EventStore& store, events::Resource kind,
                                             events::Id id, int64_t at);

}  // namespace catalog::projections
