// The Services of the HTTP fuzz target: commands are answered at once, without actors, and
// reads go to the seeded catalog, so one input is one synchronous pass through the router.
#pragma once

#include "events/command.hpp"
#include "events/views.hpp"
#include "http/services.hpp"
#include "seeded_catalog.hpp"

namespace catalog::fuzz {

// What the catalog actor might answer, decided from the command alone: a refusal of each
// kind for some inputs, else the entity the command describes.
events::Outcome fake_outcome(const events::Command& command);

http::Services fake_services(SeededCatalog& catalog);

}  // namespace catalog::fuzz
