// The decide step of the write model: a command against the current state becomes the
// events that record it, or a domain error. Pure: no I/O, no clock, no actor.
#pragma once

#include <variant>
#include <vector>

#include "events/command.hpp"
#include "events/domain_error.hpp"
#include "events/event.hpp"
#include "events/views.hpp"
#include "events/write_model.hpp"

namespace catalog::events {

// No events and no error means the command changes nothing (a rename to the same name,
// an update with the current values): it succeeds without touching the log.
using Decision = std::variant<DomainError, std::vector<Event>>;

Decision decide(const WriteModel& state, const Command& command);

// What the client is answered once the events of a successful decision are applied to
// `state`: the entity as it now stands, or Deleted.
Outcome outcome_of(const WriteModel& state, const Command& command,
                   const std::vector<Event>& events);

}  // namespace catalog::events
