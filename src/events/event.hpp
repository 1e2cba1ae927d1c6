// The events of the catalog: small value types in one variant, each with its JSON form.
// Categories and tags have the same life (created, renamed, deleted), so one set of
// structs serves both, told apart by `Resource`.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace catalog::events {

using Id = int64_t;

enum class Resource { category, tag, product };

struct NamedCreated {
  Resource kind;
  Id id;
  std::string name;
};

struct NamedRenamed {
  Resource kind;
  Id id;
  std::string name;
};

struct NamedDeleted {
  Resource kind;
  Id id;
};

// Every field of a product as a client sets it.
struct ProductFields {
  std::string name;
  std::optional<std::string> description;
  std::optional<std::string> image_url;
  double price_shmeckles = 0;
  double price_flurbos = 0;
  std::optional<Id> category_id;
  std::vector<Id> tag_ids;  // ascending, no duplicates

  bool operator==(const ProductFields&) const = default;
};

// Some fields of a product; a member left empty is not part of the change.
struct ProductPatch {
  std::optional<std::string> name;
  std::optional<std::optional<std::string>> description;
  std::optional<std::optional<std::string>> image_url;
  std::optional<double> price_shmeckles;
  std::optional<double> price_flurbos;
  std::optional<std::optional<Id>> category_id;
  std::optional<std::vector<Id>> tag_ids;

  bool empty() const;
  bool operator==(const ProductPatch&) const = default;
};

struct ProductCreated {
  Id id;
  ProductFields fields;
};

struct ProductUpdated {
  Id id;
  ProductPatch changes;
};

struct ProductDeleted {
  Id id;
};

using Event = std::variant<NamedCreated, NamedRenamed, NamedDeleted, ProductCreated, ProductUpdated,
                           ProductDeleted>;

// "CategoryCreated", "TagRenamed", "ProductUpdated", ...
std::string type_name(const Event& e);
// "category", "tag" or "product": the prefix of stream names and the word in messages.
std::string_view resource_name(Resource r);
// "product-7": the stream that holds one entity's events.
std::string stream_name(Resource r, Id id);
std::string stream_name(const Event& e);
Resource resource_of(const Event& e);
Id entity_id(const Event& e);

// The `data` object of an event as it is stored, hashed and served.
nlohmann::json to_json(const Event& e);
// Reads an event back from its type and data; throws std::invalid_argument when the pair
// is not an event this program knows.
Event from_json(std::string_view type, const nlohmann::json& data);

}  // namespace catalog::events
