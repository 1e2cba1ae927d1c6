// Every product in the order of one of its prices, for the filter index's whole-catalog
// lists sorted by that price: `GET /products/?sort=price_shmeckles` over a million products
// scanned all of them (5.4 ms) once the price's SQLite index was dropped; walking an order
// kept sorted reads only the page.
//
// Keeping one vector sorted through every change would move half of it each time, so the
// order is sorted once and the products changed since are laid over it: the walk skips them
// and takes them from their current prices instead. When they pass `slack`, they are merged
// into the order (linear in the catalog, plus sorting the changed ones).
//
// The order holds ids alone, 4 bytes a product: the price of a product not changed since it
// was sorted is its current price. With each price beside its id (16 bytes) the two orders
// took 32 MB at a million products, a tenth of the memory goal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "events/event.hpp"

namespace catalog::projections {

class PriceOrder {
 public:
  // A product's price now; nullopt once it is deleted (or for an id never used).
  using Current = std::function<std::optional<double>(events::Id)>;

  // The order of these (price, id) pairs, forgetting every change laid over it. Ids are
  // the catalog's, from 1; one beyond 32 bits is not kept (reset() returns false).
  bool reset(std::vector<std::pair<double, events::Id>> keys);
  // A product created, deleted or repriced since the order was sorted.
  void changed(events::Id id);
  // Merges the changed products into the order once there are more than `slack` of them
  // (false, and nothing merged, for an id beyond 32 bits).
  bool settle(const Current& current, size_t slack);

  // The ids at ranks [skip, skip + limit) by price, ascending or descending, ties by id
  // ascending either way (SQL's `ORDER BY price [DESC], id`).
  std::vector<events::Id> page(bool descending, size_t skip, size_t limit,
                               const Current& current) const;

 private:
  using Key = std::pair<double, events::Id>;

  bool is_changed(events::Id id) const {
    return id >= 0 && static_cast<size_t>(id) < changed_bits_.size() && changed_bits_[id];
  }
  // The changed products that exist, with their current prices, ascending.
  std::vector<Key> changed_keys(const Current& current) const;

  // The price of an id in sorted_ that is not changed.
  static double price(const Current& current, uint32_t id) { return current(id).value_or(0); }

  std::vector<uint32_t> sorted_;  // ascending (price, id) when sorted, changed ones included
  std::vector<events::Id> changed_;
  std::vector<bool> changed_bits_;  // by id
};

}  // namespace catalog::projections
