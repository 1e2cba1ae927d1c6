// The filter index against the SQL it stands in for, on the same tables, through every kind
// of change the projection applies.
#include "projections/filter_index.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "http/json_render.hpp"
#include "projection_fixture.hpp"

using namespace catalog;
using namespace catalog::events;
using projections::FilterIndex;
using projections::ProductFilter;
using test::Fixture;

namespace {

const std::vector<std::string> words = {"portal",   "Plumbus", "ПОРТАЛЬНАЯ", "пушка",
                                        "meeseeks", "box",     "flurbo",     "Szechuan"};
// Under three letters a name has no trigram, and every name is read.
const std::vector<std::string> terms = {"por",     "ПОРТ", "plu", "ушк", "box", "bus",
                                        "seeks b", "zzz",  "ник", "o",   "ка",  "x b"};

class Catalog {
 public:
  explicit Catalog(Fixture& fx, uint32_t seed) : fx_(fx), rng_(seed) {
    for (Id c = 1; c <= 3; ++c)
      fx_.record(NamedCreated{Resource::category, c, "c" + std::to_string(c)});
    for (Id t = 1; t <= 5; ++t)
      fx_.record(NamedCreated{Resource::tag, t, "t" + std::to_string(t)});
    categories_ = {1, 2, 3};
    tags_ = {1, 2, 3, 4, 5};
  }

  // One change of a random kind, as a client could cause it.
  void change() {
    int kind = pick(0, 99);
    if (kind < 45 || products_.empty()) {
      Id id = fx_.product(name(), price(), category(), tag_set());
      products_.insert(id);
    } else if (kind < 85) {
      ProductPatch patch;
      if (pick(0, 2) == 0) patch.name = name();
      if (pick(0, 2) == 0) patch.price_shmeckles = price();
      if (pick(0, 3) == 0) patch.price_flurbos = price();
      if (pick(0, 3) == 0) patch.category_id = category();
      if (pick(0, 2) == 0) patch.tag_ids = tag_set();
      if (patch.empty()) patch.price_shmeckles = price();
      fx_.record(ProductUpdated{any_product(), patch});
    } else if (kind < 97) {
      Id id = any_product();
      fx_.record(ProductDeleted{id});
      products_.erase(id);
    } else if (kind == 97 && tags_.size() > 2) {
      Id tag = *tags_.begin();
      fx_.record(NamedDeleted{Resource::tag, tag});
      tags_.erase(tag);
    } else if (kind == 98 && categories_.size() > 1) {
      Id c = *categories_.begin();
      fx_.record(NamedDeleted{Resource::category, c});
      categories_.erase(c);
    } else {
      Id tag = ++last_tag_;
      fx_.record(NamedCreated{Resource::tag, tag, "t" + std::to_string(tag)});
      tags_.insert(tag);
    }
  }

  // 60 rounds of `changes` random changes, each followed by `queries` random filters,
  // handed to check(round, filter).
  template <class Check>
  void rounds(int changes, int queries, Check check) {
    for (int round = 0; round < 60; ++round) {
      for (int i = 0; i < changes; ++i)
        change();
      for (int q = 0; q < queries; ++q)
        check(round, filter());
    }
  }

  ProductFilter filter() {
    ProductFilter f;
    f.skip = pick(0, 3);
    f.limit = pick(1, 6);
    f.descending = pick(0, 1);
    // Prices repeat (201 of them), so the ties by id are tested too.
    const projections::SortKey sorts[] = {projections::SortKey::id,
                                          projections::SortKey::price_shmeckles,
                                          projections::SortKey::price_flurbos};
    f.sort = sorts[pick(0, 2)];
    if (pick(0, 9) == 0) return f;  // the whole catalog
    if (pick(0, 1)) f.name = terms[pick(0, terms.size() - 1)];
    if (pick(0, 2) == 0) f.category_id = pick(0, 3);  // 0: an id no category has
    for (Id t = 1; t <= last_tag_; ++t) {
      if (pick(0, 4) == 0) f.tag_ids.push_back(t);
    }
    f.all_tags = pick(0, 1);
    if (pick(0, 1)) f.min_price_shmeckles = pick(0, 60);
    if (pick(0, 1)) f.max_price_shmeckles = pick(40, 100);
    if (pick(0, 3) == 0) f.max_price_flurbos = pick(10, 50);
    return f;
  }

 private:
  int64_t pick(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  std::string name() {
    return words[pick(0, words.size() - 1)] + " " + words[pick(0, words.size() - 1)];
  }
  double price() { return pick(0, 100) + pick(0, 1) * 0.5; }
  std::optional<Id> category() {
    if (pick(0, 3) == 0) return std::nullopt;
    auto it = categories_.begin();
    std::advance(it, pick(0, categories_.size() - 1));
    return *it;
  }
  std::vector<Id> tag_set() {
    std::vector<Id> out;
    for (Id t : tags_) {
      if (pick(0, 2) == 0) out.push_back(t);
    }
    return out;
  }
  Id any_product() {
    auto it = products_.begin();
    std::advance(it, pick(0, products_.size() - 1));
    return *it;
  }

  Fixture& fx_;
  std::mt19937 rng_;
  std::set<Id> products_;
  std::set<Id> categories_;
  std::set<Id> tags_;
  Id last_tag_ = 5;
};

// The creation of product `id` as the log would record it at `position`, for a test to apply
// past the fixture, which would move the index along with it.
RecordedEvent product_created(Id id, const std::string& name, double price, int64_t position) {
  ProductFields fields;
  fields.name = name;
  fields.price_shmeckles = price;
  fields.price_flurbos = price;
  Event created = ProductCreated{id, fields};
  RecordedEvent r;
  r.position = position;
  r.stream = stream_name(created);
  r.version = 1;
  r.type = type_name(created);
  r.data = to_json(created).dump();
  return r;
}

std::vector<Id> ids_of(const projections::ProductPage& page) {
  std::vector<Id> out;
  for (const auto& p : page.items)
    out.push_back(p.id);
  return out;
}

}  // namespace

TEST_CASE("the filter index answers as the SQL does through creates, edits and deletes",
          "[filter-index]") {
  // A price slack of 3 merges the changed products into the price orders every few changes;
  // the default lays every change of this test over the orders.
  bool tight = GENERATE(true, false);
  // 1: every name search's answer is kept and must follow the changes (term_memo.hpp).
  uint64_t memo_min_ids = GENERATE(uint64_t{1}, projections::TermMemo::default_min_ids);
  Fixture fx(true, false, tight ? std::optional<size_t>(3) : std::nullopt, memo_min_ids);
  Catalog catalog(fx, 20261126);
  int compared = 0;
  catalog.rounds(8, 12, [&](int round, const ProductFilter& f) {
    REQUIRE(FilterIndex::serves(f));
    auto indexed = fx.index().page(f, fx.projection().checkpoint());
    REQUIRE(indexed);  // the index is at the tables' checkpoint: it must answer
    auto sql = fx.sql().products(f);
    INFO("round " << round << ", name " << f.name.value_or("-") << ", tags " << f.tag_ids.size()
                  << (f.all_tags ? " all" : " any"));
    CHECK(indexed->total == sql.total);
    CHECK(indexed->ids == ids_of(sql));
    // The whole page, tags included, whether its rows are read as a range or by id.
    CHECK(fx.reads().products(f).items == sql.items);
    compared += sql.total > 0;
    if (f.name) {
      // Sorted by name or a time, the SQL orders the page, over the names from the index.
      ProductFilter other = f;
      const projections::SortKey sorts[] = {projections::SortKey::name,
                                            projections::SortKey::created_at,
                                            projections::SortKey::updated_at};
      other.sort = sorts[round % 3];
      auto from_index = fx.reads().products(other);
      auto scanned = fx.sql().products(other);
      CHECK(from_index.total == scanned.total);
      CHECK(from_index.items == scanned.items);
    }
  });
  CHECK(compared > 100);  // most filters matched something: the comparison was not empty
}

TEST_CASE("pages that take kept products read as the SQL's, through every change",
          "[filter-index][product-cache]") {
  Fixture fx(true, true);
  Catalog catalog(fx, 7);
  size_t kept = 0;
  catalog.rounds(5, 10, [&](int round, const ProductFilter& f) {
    auto page = fx.reads().products(f);
    for (const auto& k : page.kept)
      kept += k != nullptr;
    INFO("round " << round);
    // Rendered as the route does, offering what it read to the cache.
    CHECK(http::render(page, &fx.cache()) == http::render(fx.sql().products(f).items));
  });
  CHECK(kept > 200);  // many pages were served from the cache in part
}

TEST_CASE("the filter index answers only for the checkpoint it is at", "[filter-index]") {
  Fixture fx(true);
  fx.record(NamedCreated{Resource::tag, 1, "t"});
  Id gun = fx.product("portal gun", 10, {}, {1});
  ProductFilter f;
  f.name = "portal";
  int64_t at = fx.projection().checkpoint();
  REQUIRE(fx.index().page(f, at));
  CHECK_FALSE(fx.index().page(f, at - 1));  // a reader behind the index
  CHECK_FALSE(fx.index().page(f, at + 1));  // a reader ahead of it
  CHECK(fx.index().named("portal", at) == std::vector<Id>{gun});
  CHECK_FALSE(fx.index().named("portal", at - 1));
  CHECK_FALSE(fx.index().named("portal", at + 1));

  // A commit the index has not followed yet: the read model falls back to SQL and still
  // sees it.
  projections::CatalogProjection(fx.connection())
      .apply_batch({product_created(99, "Portal fluid", 1, at + 1)});
  CHECK_FALSE(fx.index().page(f, at + 1));
  CHECK(fx.ids(f) == std::vector<Id>{gun, 99});

  fx.index().invalidate();
  CHECK_FALSE(fx.index().loaded());
  CHECK_FALSE(fx.index().page(f, at + 1));
  fx.index().load(fx.connection());
  auto page = fx.index().page(f, at + 1);
  REQUIRE(page);
  CHECK(page->ids == std::vector<Id>{gun, 99});
}

TEST_CASE("a reader ahead of the filter index waits for the projector to move it there",
          "[filter-index]") {
  Fixture fx(true);
  Id gun = fx.product("portal gun", 10);
  int64_t at = fx.projection().checkpoint();
  // What the projector does between its commit and the index's refresh, with a reader's
  // snapshot already on the new checkpoint.
  projections::FilterChanges changes;
  projections::CatalogProjection projection(fx.connection());
  projection.record_changes(&changes);
  projection.apply_batch({product_created(99, "portal fluid", 5, at + 1)});

  std::thread projector([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    fx.index().refresh(fx.connection(), changes, at + 1);
  });
  ProductFilter f;
  f.sort = projections::SortKey::price_shmeckles;
  auto page = fx.index().page(f, at + 1);
  projector.join();
  REQUIRE(page);  // answered once the index came up to the reader, not left to the SQL
  CHECK(page->ids == std::vector<Id>{99, gun});
}

TEST_CASE("the filter index leaves other sorts to SQL, and gives it the names", "[filter-index]") {
  ProductFilter f;
  CHECK(FilterIndex::serves(f));  // the whole catalog
  f.name = "po";
  CHECK(FilterIndex::serves(f));
  f.name = "por";
  CHECK(FilterIndex::serves(f));
  f.sort = projections::SortKey::price_shmeckles;
  CHECK(FilterIndex::serves(f));
  f.sort = projections::SortKey::price_flurbos;
  CHECK(FilterIndex::serves(f));
  for (auto other : {projections::SortKey::name, projections::SortKey::created_at,
                     projections::SortKey::updated_at}) {
    f.sort = other;
    CHECK_FALSE(FilterIndex::serves(f));
  }
  f = ProductFilter{};
  f.max_price_flurbos = 3;
  CHECK(FilterIndex::serves(f));
}

TEST_CASE("a category id beyond 32 bits leaves the filters to SQL, which still answers",
          "[filter-index]") {
  Fixture fx(true);
  const Id huge = Id{UINT32_MAX} + 1;
  fx.record(NamedCreated{Resource::category, huge, "far"});
  Id plain = fx.product("portal gun", 10);
  // The projector's refresh after the commit throws; it then sets the index aside.
  CHECK_THROWS_AS(fx.product("portal fluid", 5, huge), std::range_error);
  fx.index().invalidate();
  CHECK_THROWS_AS(fx.index().load(fx.connection()), std::range_error);
  CHECK_FALSE(fx.index().loaded());

  ProductFilter f;
  f.category_id = huge;
  CHECK(fx.ids(f) == std::vector<Id>{plain + 1});
  f = ProductFilter{};
  f.sort = projections::SortKey::price_shmeckles;
  CHECK(fx.ids(f) == std::vector<Id>{plain + 1, plain});
}
