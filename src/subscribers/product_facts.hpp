// What routing needs to know of each product as the log goes by: its category, its tags and
// its price in shmeckles. Kept from the events routed; a product first met in an update or
// a delete (its creation was before the notifier started reading) is read from the log as it
// stood just before, once.
#pragma once

#include <functional>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "events/event.hpp"
#include "subscribers/follow_index.hpp"

namespace catalog::subscribers {

struct ProductFacts {
  std::optional<Id> category;
  std::vector<Id> tags;  // ascending
  double price_shmeckles = 0;
};

// What one event comes to for routing.
struct Routed {
  Concern concern;
  // Set when the event gave a product a price in shmeckles (created, or its price changed):
  // the price alerts look at it.
  std::optional<double> new_price;
};

class ProductFactsTracker {
 public:
  // The product as it stood right after `position`; nullopt when it did not exist then.
  using Lookup = std::function<std::optional<ProductFacts>(Id product, int64_t position)>;

  explicit ProductFactsTracker(Lookup lookup) : lookup_(std::move(lookup)) {}

  // Takes in the event at `position` (called in log order) and says what it touches: the
  // product with its category and tags before and after, or the category or tag itself.
  Routed apply(const events::Event& e, int64_t position);

  size_t products_known() const { return facts_.size(); }

 private:
  ProductFacts* known(Id product, int64_t position);
  void add_place(const ProductFacts& p, Concern& c) const;

  Lookup lookup_;
  std::unordered_map<Id, ProductFacts> facts_;
  // Ids are never used again, so a deleted category or tag can be left in facts_ and
  // skipped here: deleting it took it off every product without an event of theirs.
  std::unordered_set<Id> deleted_categories_;
  std::unordered_set<Id> deleted_tags_;
};

}  // namespace catalog::subscribers
