// Reads the `{id}` of a path. Text that is not an integer is a 422 (as FastAPI answers);
// an integer too large to be any id is simply not found.
#pragma once

#include <optional>
#include <string_view>

#include "events/event.hpp"
#include "http/router.hpp"

namespace catalog::http {

// The id, or nullopt after answering with the 422 or 404.
std::optional<events::Id> path_id(const RouteContext& ctx, size_t index, events::Resource kind,
                                  Respond& respond);

// "Product 7 not found" for any id text.
std::string not_found_detail(events::Resource kind, std::string_view id);

}  // namespace catalog::http
