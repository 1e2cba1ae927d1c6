// The entities as clients see them: what a mutation answers and what a GET renders.
// The write model and the read model both produce these, so both answers look alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "events/clock.hpp"
#include "events/domain_error.hpp"
#include "events/event.hpp"

namespace catalog::events {

struct NamedView {
  Id id = 0;
  std::string name;
  int64_t version = 0;  // served as the ETag, not in the body

  bool operator==(const NamedView&) const = default;
};

struct ProductView {
  Id id = 0;
  std::string name;
  std::optional<std::string> description;
  std::optional<std::string> image_url;
  double price_shmeckles = 0;
  double price_flurbos = 0;
  std::optional<NamedView> category;  // category_id is category->id
  std::vector<NamedView> tags;        // ascending by id
  int64_t version = 0;
  Millis created_at = 0;
  Millis updated_at = 0;

  bool operator==(const ProductView&) const = default;
};

struct Deleted {};

// What a command comes to: the entity after it, or that it is gone, or why it was refused.
using Outcome = std::variant<DomainError, NamedView, ProductView, Deleted>;

}  // namespace catalog::events
