// What clients ask the catalog to do. A command has passed validation at the HTTP edge
// (types, lengths, ranges); what is left to decide needs the catalog's state: existence,
// uniqueness, references and expected versions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "events/event.hpp"

namespace catalog::events {

struct CreateNamed {
  Resource kind;  // category or tag
  std::string name;
};

struct RenameNamed {
  Resource kind;
  Id id;
  std::string name;
  std::optional<int64_t> expected_version;  // If-Match
};

struct DeleteNamed {
  Resource kind;
  Id id;
  std::optional<int64_t> expected_version;
};

struct CreateProduct {
  ProductFields fields;
};

struct UpdateProduct {
  Id id;
  ProductPatch patch;  // what the client sent; the event keeps only what changes
  std::optional<int64_t> expected_version;
};

struct DeleteProduct {
  Id id;
  std::optional<int64_t> expected_version;
};

using Command = std::variant<CreateNamed, RenameNamed, DeleteNamed, CreateProduct, UpdateProduct,
                             DeleteProduct>;

}  // namespace catalog::events
