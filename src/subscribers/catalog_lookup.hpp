// What the bot needs to know of the catalog to answer a command: a category or tag by id or
// by name (compared as the catalog compares names), and a product's name and price. On a
// node it is the node's read model; in tests, a fake.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "subscribers/bot_command.hpp"

namespace catalog::db {
class Connection;
}

namespace catalog::subscribers {

struct Named {
  Id id = 0;
  std::string name;
};

struct ProductSummary {
  Id id = 0;
  std::string name;
  double price_shmeckles = 0;
};

class CatalogLookup {
 public:
  virtual ~CatalogLookup() = default;
  // A category or tag (`kind` is never product); a name is compared case-insensitively.
  virtual std::optional<Named> named(FollowKind kind, const FollowTarget& target) = 0;
  virtual std::optional<ProductSummary> product(Id id) = 0;
};

// The lookup over a read connection of the node's read model.
std::unique_ptr<CatalogLookup> read_model_lookup(db::Connection& db);

}  // namespace catalog::subscribers
