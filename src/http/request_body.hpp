// JSON request bodies of the mutating routes, checked the way Pydantic v1 checks the
// FastAPI app's models, and turned into command payloads.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "events/event.hpp"
#include "http/field_error.hpp"

namespace catalog::http {

// `{"name": "..."}` of a category or tag create or rename: the trimmed name.
std::variant<std::string, FieldErrors> parse_name_body(std::string_view body);

// The body of `POST /products/`: every field, defaults filled in.
std::variant<events::ProductFields, FieldErrors> parse_product_create(std::string_view body);

// The body of `PUT /products/{id}`: only the fields that were sent; `null` clears the
// nullable ones (description, image_url, category_id).
std::variant<events::ProductPatch, FieldErrors> parse_product_update(std::string_view body);

}  // namespace catalog::http
