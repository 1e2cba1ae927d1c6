// The write model's packed products: what goes in comes out, bit for bit, through
// replaces, erases and compaction, in a bounded number of bytes.
#include "events/products_by_id.hpp"

#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <limits>
#include <map>
#include <random>
#include <thread>

using namespace catalog::events;

namespace {

ProductState state(std::string name, int64_t version = 1) {
  ProductState p;
  p.fields.name = std::move(name);
  p.fields.price_shmeckles = 12.34;
  p.fields.price_flurbos = 5;
  p.version = version;
  p.created_at = 1'765'000'000'000;
  p.updated_at = p.created_at;
  return p;
}

// As bench/seed_log.cpp makes them: two words, a number, no description, no image, a
// category, 0-3 tags.
ProductState like_the_benchmark(std::mt19937_64& rng, Id i) {
  ProductState p = state("portal plumbus " + std::to_string(i) + "-" +
                         std::to_string(std::uniform_int_distribution<int>(1, 1000000000)(rng)));
  p.fields.price_shmeckles = std::uniform_int_distribution<int>(100, 100099)(rng) / 100.0;
  p.fields.price_flurbos = std::uniform_int_distribution<int>(1, 700)(rng);
  p.fields.category_id = std::uniform_int_distribution<Id>(1, 10)(rng);
  int tags = std::uniform_int_distribution<int>(0, 3)(rng);
  for (int t = 0; t < tags; ++t)
    p.fields.tag_ids.push_back(std::uniform_int_distribution<Id>(1, 50)(rng));
  std::sort(p.fields.tag_ids.begin(), p.fields.tag_ids.end());
  auto& tags_of = p.fields.tag_ids;
  tags_of.erase(std::unique(tags_of.begin(), tags_of.end()), tags_of.end());
  p.created_at += i;
  p.updated_at = p.created_at;
  return p;
}

// == on doubles takes -0.0 for 0.0: the prices must come back as the same bits.
bool same_bits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

void check_round_trip(ProductsById& products, Id id, const ProductState& p) {
  products.put(id, p);
  auto found = products.find(id);
  REQUIRE(found);
  CHECK(*found == p);
  CHECK(same_bits(found->fields.price_shmeckles, p.fields.price_shmeckles));
  CHECK(same_bits(found->fields.price_flurbos, p.fields.price_flurbos));
  CHECK(products.version(id) == p.version);
}

}  // namespace

TEST_CASE("a product comes back as it was put", "[products_by_id]") {
  ProductsById products;
  CHECK_FALSE(products.find(1));
  CHECK_FALSE(products.version(1));
  CHECK_FALSE(products.find(-1));

  auto p = state("portal plumbus 123456-987654321");
  p.fields.category_id = 3;
  p.fields.tag_ids = {1, 7, 50};
  check_round_trip(products, 1, p);

  SECTION("empty and long strings, unicode") {
    auto q = state("");
    q.fields.description = std::string(100'000, 'd');
    q.fields.image_url = "https://example.com/" + std::string(3000, 'i');
    check_round_trip(products, 2, q);
    check_round_trip(products, 3,
                     state("Портальная пушка 🛸 ΣΊΣΥΦΟΣ ß 漢字"));
    check_round_trip(products, 4, state(std::string("nul\0inside", 10)));
  }
  SECTION("no description is not an empty description") {
    auto none = state("a");
    auto empty = state("a");
    empty.fields.description = "";
    empty.fields.image_url = "";
    check_round_trip(products, 2, none);
    check_round_trip(products, 3, empty);
    CHECK_FALSE(products.find(2)->fields.description);
    CHECK_FALSE(products.find(2)->fields.image_url);
    CHECK(products.find(3)->fields.description == "");
    CHECK(products.find(3)->fields.image_url == "");
  }
  SECTION("many tags, far apart, and category 0") {
    auto q = state("tagged");
    for (Id t = 1; t <= 5000; t += 3)
      q.fields.tag_ids.push_back(t);
    q.fields.tag_ids.push_back(int64_t{1} << 40);
    q.fields.tag_ids.push_back(std::numeric_limits<Id>::max());
    q.fields.category_id = 0;
    check_round_trip(products, 2, q);
  }
  SECTION("prices that are not whole hundredths, and extreme numbers") {
    auto q = state("prices");
    for (double price : {0.0, -0.0, 0.1 + 0.2, 1e-300, 1e300, -7.25, 999999999999.99,
                         std::numeric_limits<double>::infinity(), 1.0 / 3, 0.29, 1000.99}) {
      q.fields.price_shmeckles = price;
      q.fields.price_flurbos = -price;
      check_round_trip(products, 2, q);
    }
    q.version = std::numeric_limits<int64_t>::max();
    q.created_at = std::numeric_limits<Millis>::max();
    q.updated_at = std::numeric_limits<Millis>::min();
    q.fields.category_id = std::numeric_limits<Id>::min();
    check_round_trip(products, 2, q);
    q.created_at = -5;
    q.updated_at = -6;
    check_round_trip(products, 2, q);
  }
  SECTION("replacing and erasing") {
    auto longer = state(std::string(300, 'x'), 2);
    longer.fields.description = "now with a description";
    check_round_trip(products, 1, longer);
    check_round_trip(products, 1, state("short again", 3));
    CHECK(products.size() == 1);
    products.erase(1);
    products.erase(1);
    products.erase(99);
    CHECK_FALSE(products.find(1));
    CHECK(products.size() == 0);
  }
}

TEST_CASE("ids in different chunks of slots stay apart", "[products_by_id]") {
  ProductsById products;
  std::vector<Id> ids = {0, 1, 4095, 4096, 4097, 8191, 100'000, 1'000'003};
  for (Id id : ids)
    products.put(id, state("p" + std::to_string(id), id + 1));
  CHECK(products.size() == ids.size());
  for (Id id : ids) {
    REQUIRE(products.find(id));
    CHECK(products.find(id)->fields.name == "p" + std::to_string(id));
    CHECK(products.version(id) == id + 1);
  }
  CHECK_FALSE(products.find(2));
  CHECK_FALSE(products.find(4098));
  CHECK_FALSE(products.find(2'000'000));
  std::vector<Id> seen;
  products.for_each_references([&](Id id, const ProductsById::References&) { seen.push_back(id); });
  CHECK(seen == ids);
}

TEST_CASE("a packed record puts the product back as it was", "[products_by_id]") {
  ProductsById products;
  auto p = state("before");
  p.fields.tag_ids = {2, 3};
  products.put(5, p);
  std::string before = products.packed(5);
  std::string absent = products.packed(6);
  CHECK(absent.empty());
  products.put(5, state("after", 2));
  products.put(6, state("new"));
  products.put_packed(5, before);
  products.put_packed(6, absent);
  CHECK(products.find(5) == p);
  CHECK_FALSE(products.find(6));
  CHECK(products.size() == 1);
}

TEST_CASE("references are read without the rest", "[products_by_id]") {
  ProductsById products;
  auto a = state("a");
  a.fields.category_id = 4;
  a.fields.tag_ids = {1, 9};
  products.put(1, a);
  products.put(2, state("b"));
  std::map<Id, ProductsById::References> seen;
  products.for_each_references(
      [&](Id id, const ProductsById::References& r) { seen.emplace(id, r); });
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].category_id == 4);
  CHECK(seen[1].tag_ids == std::vector<Id>{1, 9});
  CHECK_FALSE(seen[2].category_id);
  CHECK(seen[2].tag_ids.empty());
}

// Small chunks, so that records land in many, big records have their own, and compaction
// runs again and again; every step is checked against a plain map.
TEST_CASE("random puts and erases agree with a map through compaction", "[products_by_id]") {
  std::mt19937_64 rng(7);
  ProductsById products(256);
  std::map<Id, ProductState> expected;
  size_t most_bytes = 0;
  for (int step = 0; step < 20'000; ++step) {
    Id id = std::uniform_int_distribution<Id>(0, 600)(rng);
    int what = std::uniform_int_distribution<int>(0, 9)(rng);
    if (what == 0) {
      products.erase(id);
      expected.erase(id);
    } else if (what == 1) {
      auto other = std::uniform_int_distribution<Id>(0, 600)(rng);
      std::string record = products.packed(other);
      products.put_packed(id, record);
      if (expected.count(other)) {
        expected[id] = expected[other];
      } else {
        expected.erase(id);
      }
    } else {
      auto p = like_the_benchmark(rng, id);
      p.version = step;
      if (what == 2)
        p.fields.description =
            std::string(std::uniform_int_distribution<size_t>(0, 1000)(rng), 'd');
      products.put(id, p);
      expected[id] = p;
    }
    if (step % 1000 == 0 || step == 19'999) {
      REQUIRE(products.size() == expected.size());
      for (Id k = 0; k <= 600; ++k) {
        auto it = expected.find(k);
        auto found = products.find(k);
        REQUIRE(found.has_value() == (it != expected.end()));
        if (found) REQUIRE(*found == it->second);
      }
    }
    most_bytes = std::max(most_bytes, products.bytes());
  }
  // Some 600 products of at most about 1 KB: compaction keeps the garbage from growing
  // without end.
  CHECK(most_bytes < 2'000'000);
}

// Two copies from clone(), each changed at random on its own (the original on another
// thread, as the catalog goes on while its snapshot is written): neither sees the other's
// changes, through compaction on both sides.
TEST_CASE("clones share their records and still change apart", "[products_by_id]") {
  std::mt19937_64 rng(11);
  ProductsById products(256);
  std::map<Id, ProductState> expected;
  auto change = [](ProductsById& into, std::map<Id, ProductState>& model, std::mt19937_64& r,
                   int step) {
    Id id = std::uniform_int_distribution<Id>(0, 9000)(r);
    if (std::uniform_int_distribution<int>(0, 4)(r) == 0) {
      into.erase(id);
      model.erase(id);
    } else {
      auto p = like_the_benchmark(r, id);
      p.version = step;
      into.put(id, p);
      model[id] = p;
    }
  };
  auto agree = [](const ProductsById& got, const std::map<Id, ProductState>& model) {
    REQUIRE(got.size() == model.size());
    for (Id k = 0; k <= 9000; ++k) {
      auto it = model.find(k);
      auto found = got.find(k);
      REQUIRE(found.has_value() == (it != model.end()));
      if (found) REQUIRE(*found == it->second);
    }
  };
  for (int step = 0; step < 6'000; ++step)
    change(products, expected, rng, step);
  for (int round = 0; round < 3; ++round) {
    ProductsById copy = products.clone();
    auto copied = expected;
    std::mt19937_64 other_rng(100 + round);
    std::thread writer([&] {
      for (int step = 0; step < 4'000; ++step)
        change(products, expected, rng, step);
    });
    agree(copy, copied);  // read while the original changes, as a snapshot is
    writer.join();
    for (int step = 0; step < 4'000; ++step)
      change(copy, copied, other_rng, step);
    agree(products, expected);
    agree(copy, copied);
  }
}

// Measured at a million: 64.7 bytes a product (as a ProductState, 200 of slot and 274 with
// its heap); the bound leaves room for the partly filled last chunk of a hundred thousand.
TEST_CASE("a product like the benchmark's takes under 80 bytes", "[products_by_id]") {
  std::mt19937_64 rng(1);
  ProductsById products;
  const Id n = 100'000;
  for (Id i = 1; i <= n; ++i)
    products.put(i, like_the_benchmark(rng, i));
  CHECK(products.bytes() < 80 * n);
  // A round of price changes leaves garbage, at most a quarter of the store.
  for (Id i = 1; i <= n; ++i) {
    auto p = *products.find(i);
    p.fields.price_shmeckles += 1;
    p.version += 1;
    products.put(i, p);
  }
  CHECK(products.bytes() < 100 * n);
  CHECK(products.size() == static_cast<size_t>(n));
}
