// The JSON bodies of categories, tags and products, in the field order of API.md.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "events/recorded_event.hpp"
#include "events/views.hpp"
#include "http/json_writer.hpp"
#include "projections/product_cache.hpp"
#include "projections/read_model.hpp"

namespace catalog::http {

void write(JsonWriter& w, const events::NamedView& v);
void write(JsonWriter& w, const events::ProductView& v);
// {"position", "type", "stream", "version", "data", "recorded_at", "hash"}
void write(JsonWriter& w, const events::RecordedEvent& e);

std::string render(const events::NamedView& v);
std::string render(const events::ProductView& v);
std::string render(const std::vector<events::NamedView>& list);
std::string render(const std::vector<events::ProductView>& list);
std::string render(const events::RecordedEvent& e);
std::string render(const std::vector<events::RecordedEvent>& list);

// The product rendered as the cache keeps it, read at `position`.
std::shared_ptr<const projections::CachedProduct> render(const events::ProductView& v,
                                                         int64_t position);

// A page of products as a JSON array: what the cache keeps as it is, the rest rendered and
// offered to `cache` (if any) at the position the page was read at.
std::string render(const projections::ProductPage& page, projections::ProductCache* cache);

}  // namespace catalog::http
