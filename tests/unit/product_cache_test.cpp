// The rules that keep the product cache from ever answering with a product older than an
// acknowledged change, and what the projection tells it before each commit.
#include "projections/product_cache.hpp"

#include <catch2/catch.hpp>

#include "projection_fixture.hpp"

using namespace catalog;
using namespace catalog::events;
using projections::CachedProduct;
using projections::ProductCache;

namespace {

std::shared_ptr<const CachedProduct> rendered(const std::string& json, int64_t position) {
  return std::make_shared<const CachedProduct>(CachedProduct{json, 1, position});
}

std::string cached(const ProductCache& cache, Id id) {
  auto hit = cache.find(id);
  return hit ? hit->json : "(none)";
}

}  // namespace

TEST_CASE("the product cache keeps only what was read at the last commit", "[product-cache]") {
  ProductCache cache;
  cache.insert(1, rendered("before any commit", -1));
  CHECK(cached(cache, 1) == "(none)");  // no position yet: nothing goes in

  cache.after_commit(7);
  cache.insert(1, rendered("read at 6", 6));  // a snapshot from before the last commit
  CHECK(cached(cache, 1) == "(none)");
  cache.insert(1, rendered("read at 7", 7));
  CHECK(cached(cache, 1) == "read at 7");

  // A commit that changes product 1: it goes first, and while the commit is under way
  // nothing comes in, not even from a snapshot of the position before.
  cache.insert(2, rendered("2 read at 7", 7));
  cache.before_commit({1}, false);
  CHECK(cached(cache, 1) == "(none)");
  CHECK(cached(cache, 2) == "2 read at 7");  // untouched
  cache.insert(1, rendered("read at 7 during the commit", 7));
  CHECK(cached(cache, 1) == "(none)");
  cache.after_commit(8);
  cache.insert(1, rendered("read at 7 after the commit", 7));
  CHECK(cached(cache, 1) == "(none)");
  cache.insert(1, rendered("read at 8", 8));
  CHECK(cached(cache, 1) == "read at 8");
  // A list read in an older snapshot cannot take it: the product may have changed since.
  CHECK(cache.find_as_of({1, 2}, 7) ==
        std::vector<std::shared_ptr<const CachedProduct>>{nullptr, cache.find(2)});
  CHECK(cache.find_as_of({1}, 8)[0] == cache.find(1));
  CHECK(cache.find_as_of({1, 5}, 9)[1] == nullptr);  // never kept

  // A rename of a category or tag: every product goes.
  cache.before_commit({}, true);
  cache.after_commit(9);
  CHECK(cache.size() == 0);

  // A commit that failed: nothing goes in until the next one.
  cache.before_commit({3}, false);
  cache.after_commit(-1);
  cache.insert(3, rendered("read at 9", 9));
  CHECK(cached(cache, 3) == "(none)");
}

TEST_CASE("a full product cache makes room for the next product", "[product-cache]") {
  ProductCache cache(3);
  cache.after_commit(1);
  for (Id id = 1; id <= 10; ++id)
    cache.insert(id, rendered(std::to_string(id), 1));
  CHECK(cache.size() == 3);
  CHECK(cached(cache, 10) == "10");
}

TEST_CASE("the projection names the products a batch changes before it commits",
          "[product-cache]") {
  test::Fixture fx;
  std::vector<std::pair<std::vector<Id>, bool>> seen;
  fx.projection().before_commit(
      [&](const projections::FilterChanges& c) { seen.emplace_back(c.products, c.names); });
  fx.record(NamedCreated{Resource::category, 1, "c"});
  Id p = fx.product("plumbus", 1, 1);
  ProductPatch patch;
  patch.price_shmeckles = 2;
  fx.record(ProductUpdated{p, patch});
  fx.record(NamedRenamed{Resource::category, 1, "d"});
  fx.record(ProductDeleted{p});
  REQUIRE(seen.size() == 5);
  CHECK(seen[0] == std::pair<std::vector<Id>, bool>{{}, false});
  CHECK(seen[1] == std::pair<std::vector<Id>, bool>{{p}, false});
  CHECK(seen[2] == std::pair<std::vector<Id>, bool>{{p}, false});
  CHECK(seen[3] == std::pair<std::vector<Id>, bool>{{}, true});
  CHECK(seen[4] == std::pair<std::vector<Id>, bool>{{p}, false});
}
