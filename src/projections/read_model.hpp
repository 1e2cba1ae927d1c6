// The queries behind the GET routes, on a read connection of the projection tables.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "db/sqlite.hpp"
#include "db/thread_connections.hpp"
#include "events/views.hpp"
#include "projections/filter_index.hpp"
#include "projections/product_cache.hpp"
#include "projections/product_filter.hpp"

namespace catalog::projections {

struct ProductPage {
  int64_t total = 0;  // matches before skip and limit: the X-Total-Count header
  std::vector<events::ProductView> items;  // read from the tables, in the page's order
  // With a product cache, when the filter index served the page: the whole page in order,
  // each product either kept in the cache or, where null, the next of `items`.
  std::vector<std::shared_ptr<const CachedProduct>> kept;
  int64_t position = -1;  // the checkpoint the page was read at, for the cache
};

class ReadModel {
 public:
  // The most ids of a name filter that the SQL takes from the filter index; beyond, it
  // scans the names itself.
  static constexpr size_t max_listed_names = 16'384;

  // With `filters`, the filtered lists it serves are counted there (filter_index.hpp).
  // With `products`, pages the filter index serves take what the cache keeps.
  explicit ReadModel(db::Connection& db, FilterIndex* filters = nullptr,
                     const ProductCache* products = nullptr)
      : db_(&db), filters_(filters), products_(products) {}
  // Reads product() and products() in the snapshot the calling thread keeps between
  // requests (ThreadConnections::snapshot) rather than in a transaction of their own; the
  // other queries on the thread's connection outside it.
  explicit ReadModel(db::ThreadConnections& reads, FilterIndex* filters = nullptr,
                     const ProductCache* products = nullptr)
      : reads_(&reads), filters_(filters), products_(products) {}

  std::vector<events::NamedView> list_named(events::Resource kind);
  std::optional<events::NamedView> named(events::Resource kind, events::Id id);
  // With `position`, also the checkpoint of the snapshot the product was read in.
  std::optional<events::ProductView> product(events::Id id, int64_t* position = nullptr);
  // The category or tag whose name is this one, compared case-insensitively.
  std::optional<events::Id> named_id(events::Resource kind, std::string_view name);
  // The first product (lowest id) with exactly this name.
  std::optional<events::Id> product_id(std::string_view name);
  ProductPage products(const ProductFilter& filter);

 private:
  std::optional<ProductPage> indexed_products(const ProductFilter& filter, int64_t at);
  ProductPage queried_products(const ProductFilter& filter,
                               const std::optional<std::vector<events::Id>>& named);

  class Reading;
  db::Connection& db();

  db::Connection* db_ = nullptr;  // the thread's connection, once known
  db::ThreadConnections* reads_ = nullptr;
  FilterIndex* filters_;
  const ProductCache* products_;
};

}  // namespace catalog::projections
