// The filterable part of every product held in memory: prices, category, tags, and the
// case-folded names with their trigram index (name_search.hpp). GET /products/ sorted by id
// or by a price then counts and orders its matches here instead of stepping through
// SQLite's indexes: at a million products the filtered list of the benchmark stepped about
// 142,000 index rows per request, and the unfiltered one a million, for X-Total-Count
// alone. The prices have no SQLite index at all (migration 0006): two B-trees of random
// keys cost each create about two of the seven pages of WAL it wrote, and each price change
// four more.
//
// The index is only used for a snapshot of the same position. The projector moves it after
// each commit; a reader first reads the checkpoint in its own transaction. When the index is
// behind (the projector is moving it) the reader waits for it; when it is ahead, the reader
// takes a fresh snapshot; only if neither meets does it run the SQL. So the index never
// answers for a state other than the one the reader's rows come from.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <optional>
#include <roaring/roaring.hh>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "db/sqlite.hpp"
#include "events/event.hpp"
#include "projections/filter_changes.hpp"
#include "projections/name_search.hpp"
#include "projections/price_order.hpp"
#include "projections/product_filter.hpp"

namespace catalog::projections {

struct IndexedPage {
  int64_t total = 0;            // every match: X-Total-Count
  std::vector<events::Id> ids;  // the page's, in the order of the response
};

class FilterIndex {
 public:
  // `price_slack`: how many changed products each price order lays over its sorted part
  // before merging them in; by default 1/64 of the catalog, at least 1,024. `memo_min_ids`:
  // the least answer kept of a name search with no trigram to file it under (term_memo.hpp).
  explicit FilterIndex(std::optional<size_t> price_slack = std::nullopt,
                       uint64_t memo_min_ids = TermMemo::default_min_ids)
      : price_slack_(price_slack), memo_min_ids_(memo_min_ids), names_(memo_min_ids) {}

  // How long a reader whose snapshot is ahead of the index waits for the projector to move
  // it there, before it runs the SQL instead.
  static constexpr std::chrono::milliseconds catch_up_wait{50};

  // Whether the index can answer this filter: sorted by id or by a price.
  static bool serves(const ProductFilter& filter);

  // Reads every product and tag from the tables, in one snapshot, at their checkpoint.
  void load(db::Connection& db);
  // After the projector committed `changes`, which brought the tables to `position`: reads the
  // changed products again from `db` and moves the index there. Ignored before load().
  void refresh(db::Connection& db, const FilterChanges& changes, int64_t position);
  // Until the next load(), readers use SQL (after a refresh that failed half-way).
  void invalidate();
  bool loaded() const;
  // The checkpoint the index is at; -1 when it is not loaded.
  int64_t position() const;

  // The count and page of the filter for a reader whose transaction saw the checkpoint
  // `position`; nullopt when the index does not serve the filter or is at another position
  // (having waited up to catch_up_wait for it to come up to `position`).
  std::optional<IndexedPage> page(const ProductFilter& filter, int64_t position);
  // The ids, ascending, of the products whose case-folded name contains `folded`, for a
  // reader at `position` whose filter page() does not serve (sorted by name or a time);
  // nullopt as for page().
  std::optional<std::vector<events::Id>> named(std::string_view folded, int64_t position);

 private:
  // 20 bytes, packed: a million of them are 20 MB of the 300 MB goal (aligned, with an id
  // and two flags, they took 32).
  struct __attribute__((packed)) Product {
    double shmeckles = 0;
    double flurbos = 0;
    uint32_t category = gone;  // no_category, a category's id, or gone

    static constexpr uint32_t no_category = 0;  // the catalog's ids start at 1
    static constexpr uint32_t gone = UINT32_MAX;
    bool exists() const { return category != gone; }
    // By value: a reference to a member of a packed struct may be misaligned (and
    // `a ? x.shmeckles : x.flurbos` is one).
    double price(bool by_shmeckles) const {
      if (by_shmeckles) return shmeckles;
      return flurbos;
    }
  };
  // Product `id`'s entry for a row of the products table; nullopt when the id or the
  // category's does not fit in 32 bits (the index then leaves the filters to SQL).
  static std::optional<Product> entry(events::Id id, double shmeckles, double flurbos,
                                      std::optional<events::Id> category);

  // `term`: the filter's name, folded; null without one.
  std::vector<events::Id> matches(const ProductFilter& filter, const std::string* term) const;
  // The products the name and the tags allow, as one bitmap (not owned when it is one tag's
  // own); null when the filter has neither. Only existing products are in it: names and
  // taggings leave the index with the product.
  std::shared_ptr<const Roaring> allowed(const ProductFilter& filter,
                                         const std::string* term) const;
  IndexedPage id_ordered(const ProductFilter& filter, const std::string* term) const;
  IndexedPage every_product(const ProductFilter& filter) const;
  IndexedPage price_ordered(const ProductFilter& filter, const std::string* term) const;
  IndexedPage whole_catalog_by_price(const ProductFilter& filter) const;
  PriceOrder::Current price_of(bool shmeckles) const;
  bool keeps(const ProductFilter& filter, events::Id id) const;
  // Under `lock`: waits up to catch_up_wait for the index to reach `position`; whether it is
  // there.
  bool reached(std::shared_lock<std::shared_mutex>& lock, int64_t position);

  std::optional<size_t> price_slack_;
  uint64_t memo_min_ids_;
  mutable std::shared_mutex mutex_;
  std::condition_variable_any moved_;  // position_ changed
  int64_t position_ = -1;              // -1: not loaded
  std::vector<Product> products_;      // by id
  int64_t existing_ = 0;               // how many products_ exist
  PriceOrder by_shmeckles_;
  PriceOrder by_flurbos_;
  std::unordered_map<events::Id, Roaring> tagged_;
  NameSearch names_;
};

}  // namespace catalog::projections
