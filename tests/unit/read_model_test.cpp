// The projection and the queries behind GET /products/, on a real SQLite file. Each case
// runs twice: with SQL alone, and with the filter index that counts the lists it serves.
#include "projections/read_model.hpp"

#include <catch2/catch.hpp>
#include <limits>
#include <map>

#include "projection_fixture.hpp"
#include "projections/replay.hpp"

using namespace catalog;
using namespace catalog::events;
using projections::ProductFilter;
using projections::SortKey;
using test::Fixture;

TEST_CASE("the name filter finds a case-insensitive substring in any script", "[read-model]") {
  Fixture fx(GENERATE(false, true));
  Id gun = fx.product("Портальная пушка", 250);
  fx.product("Плюмбус", 10);
  Id pickle = fx.product("Pickle RICK", 5);
  ProductFilter f;
  f.name = "ПОРТАЛ";
  CHECK(fx.ids(f) == std::vector<Id>{gun});
  f.name = "rick";
  CHECK(fx.ids(f) == std::vector<Id>{pickle});
  f.name = "%";  // LIKE wildcards are plain characters here
  CHECK(fx.ids(f).empty());
}

TEST_CASE("tag filters match any of the tags, or all of them with tag_match=all", "[read-model]") {
  Fixture fx(GENERATE(false, true));
  fx.record(NamedCreated{Resource::tag, 1, "a"});
  fx.record(NamedCreated{Resource::tag, 2, "b"});
  fx.record(NamedCreated{Resource::tag, 3, "c"});
  Id only_a = fx.product("1", 1, {}, {1});
  Id a_and_b = fx.product("2", 1, {}, {1, 2});
  fx.product("3", 1, {}, {3});
  ProductFilter f;
  f.tag_ids = {1, 2};
  CHECK(fx.ids(f) == std::vector<Id>{only_a, a_and_b});
  f.all_tags = true;
  CHECK(fx.ids(f) == std::vector<Id>{a_and_b});
}

TEST_CASE("name, tags, a short name and prices combine; the total counts every match",
          "[read-model]") {
  Fixture fx(GENERATE(false, true));
  fx.record(NamedCreated{Resource::tag, 1, "a"});
  fx.record(NamedCreated{Resource::tag, 2, "b"});
  Id gun_a = fx.product("portal gun", 100, {}, {1});
  Id gun_ab = fx.product("Portal gun mk2", 200, {}, {1, 2});
  fx.product("portal gun, untagged", 100);
  fx.product("plumbus", 100, {}, {1, 2});
  Id gun_b = fx.product("PORTAL cannon", 300, {}, {2});
  ProductFilter f;
  f.name = "portal";
  f.tag_ids = {1, 2};
  CHECK(fx.ids(f) == std::vector<Id>{gun_a, gun_ab, gun_b});
  f.all_tags = true;
  CHECK(fx.ids(f) == std::vector<Id>{gun_ab});
  f.all_tags = false;
  f.max_price_shmeckles = 250;
  f.limit = 1;
  f.skip = 1;
  auto page = fx.reads().products(f);
  CHECK(page.total == 2);  // gun_a and gun_ab; the page holds the second
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0].id == gun_ab);
  ProductFilter short_name;  // two letters: scanned, over the tags' candidates
  short_name.name = "mk";
  short_name.tag_ids = {2};
  CHECK(fx.ids(short_name) == std::vector<Id>{gun_ab});
  ProductFilter nothing;
  nothing.name = "meeseeks";
  nothing.tag_ids = {1};
  auto none = fx.reads().products(nothing);
  CHECK(none.total == 0);
  CHECK(none.items.empty());
}

TEST_CASE("price bounds are inclusive and combine with the other filters", "[read-model]") {
  Fixture fx(GENERATE(false, true));
  fx.record(NamedCreated{Resource::category, 1, "c"});
  std::map<int, Id> by_price;
  for (int p : {5, 10, 50, 100, 101})
    by_price[p] = fx.product("x" + std::to_string(p), p, 1);
  fx.product("other", 50);
  ProductFilter f;
  f.category_id = 1;
  f.min_price_shmeckles = 10;
  f.max_price_shmeckles = 100;
  CHECK(fx.ids(f) == std::vector<Id>{by_price[10], by_price[50], by_price[100]});
  f.min_price_flurbos = 25;  // flurbos are half the shmeckles here
  CHECK(fx.ids(f) == std::vector<Id>{by_price[50], by_price[100]});
}

TEST_CASE("sorting by each key, either way, breaks ties by id", "[read-model]") {
  Fixture fx(GENERATE(false, true));
  Id b = fx.product("banana", 20, {}, {}, 3000);
  Id a = fx.product("Apple", 20, {}, {}, 2000);
  Id c = fx.product("cherry", 10, {}, {}, 1000);
  ProductFilter f;
  f.sort = SortKey::name;
  CHECK(fx.ids(f) == std::vector<Id>{a, b, c});
  f.sort = SortKey::price_shmeckles;
  CHECK(fx.ids(f) == std::vector<Id>{c, b, a});
  f.descending = true;
  CHECK(fx.ids(f) == std::vector<Id>{b, a, c});
  f.sort = SortKey::created_at;
  f.descending = false;
  CHECK(fx.ids(f) == std::vector<Id>{c, a, b});
  f.sort = SortKey::id;
  f.descending = true;
  CHECK(fx.ids(f) == std::vector<Id>{c, a, b});
}

TEST_CASE("paging returns a slice and the total before paging", "[read-model]") {
  Fixture fx(GENERATE(false, true));
  std::vector<Id> all;
  for (int i = 0; i < 5; ++i)
    all.push_back(fx.product("p" + std::to_string(i), i));
  ProductFilter f;
  f.skip = 1;
  f.limit = 2;
  auto page = fx.reads().products(f);
  CHECK(page.total == 5);
  REQUIRE(page.items.size() == 2);
  CHECK(page.items[0].id == all[1]);
  f.skip = 10;
  page = fx.reads().products(f);
  CHECK(page.total == 5);
  CHECK(page.items.empty());
  // The largest skip the API accepts, by id and by price (no overflow past skip + limit).
  f.skip = std::numeric_limits<int64_t>::max();
  f.limit = 1000;
  for (auto sort : {SortKey::id, SortKey::price_shmeckles}) {
    f.sort = sort;
    page = fx.reads().products(f);
    CHECK(page.total == 5);
    CHECK(page.items.empty());
  }
  f.skip = 3;
  f.sort = SortKey::price_flurbos;
  f.descending = true;
  CHECK(fx.ids(f) == std::vector<Id>{all[1], all[0]});
}

TEST_CASE("the projection applies renames, deletes and updates like the write model",
          "[read-model]") {
  Fixture fx(GENERATE(false, true));
  fx.record(NamedCreated{Resource::category, 1, "Гаджеты"});
  fx.record(NamedCreated{Resource::tag, 1, "Хит"});
  fx.record(NamedCreated{Resource::tag, 2, "Новинка"});
  Id p = fx.product("Плюмбус", 10, 1, {1, 2});
  fx.record(NamedRenamed{Resource::category, 1, "Девайсы"});
  ProductPatch patch;
  patch.description = std::optional<std::string>("Всё для дома");
  patch.price_flurbos = 7.5;
  fx.record(ProductUpdated{p, patch}, 1764000009999);
  fx.record(NamedDeleted{Resource::tag, 1});
  auto v = fx.reads().product(p);
  REQUIRE(v);
  CHECK(v->category->name == "Девайсы");
  CHECK(v->description == "Всё для дома");
  CHECK(v->price_flurbos == 7.5);
  CHECK(v->version == 2);
  CHECK(v->updated_at == 1764000009999);
  REQUIRE(v->tags.size() == 1);
  CHECK(v->tags[0].name == "Новинка");
  fx.record(NamedDeleted{Resource::category, 1});
  CHECK_FALSE(fx.reads().product(p)->category);
  fx.record(ProductDeleted{p});
  CHECK_FALSE(fx.reads().product(p));
  CHECK(fx.projection().checkpoint() == 9);
}

// Each shape of change has its own UPDATE (catalog_projection.cpp): every one of the 64
// combinations of the columns a PUT may set changes those and leaves the others alone.
TEST_CASE("every shape of product change sets its fields and keeps the rest", "[read-model]") {
  Fixture fx;
  fx.record(NamedCreated{Resource::category, 1, "Old"});
  fx.record(NamedCreated{Resource::category, 2, "New"});
  for (int shape = 0; shape < 64; ++shape) {
    CAPTURE(shape);
    ProductFields f;
    f.name = "before " + std::to_string(shape);
    f.description = "old description";
    f.image_url = "https://old.example/" + std::to_string(shape);
    f.price_shmeckles = 10;
    f.price_flurbos = 20;
    f.category_id = 1;
    Id id = shape + 1;
    fx.record(ProductCreated{id, f}, 1764000000000);
    ProductPatch patch;
    if (shape & 1) patch.name = "AFTER Ärger " + std::to_string(shape);
    if (shape & 2) patch.description = std::optional<std::string>();  // cleared
    if (shape & 4) patch.image_url = std::optional<std::string>("https://new.example/x");
    if (shape & 8) patch.price_shmeckles = 11.5;
    if (shape & 16) patch.price_flurbos = 21.25;
    if (shape & 32) patch.category_id = std::optional<Id>(2);
    fx.record(ProductUpdated{id, patch}, 1764000005000 + shape);
    for (auto* reads : {&fx.reads(), &fx.sql()}) {
      auto v = reads->product(id);
      REQUIRE(v);
      CHECK(v->name == (shape & 1 ? *patch.name : f.name));
      CHECK(v->description == (shape & 2 ? std::nullopt : f.description));
      CHECK(v->image_url == (shape & 4 ? *patch.image_url : f.image_url));
      CHECK(v->price_shmeckles == (shape & 8 ? 11.5 : 10));
      CHECK(v->price_flurbos == (shape & 16 ? 21.25 : 20));
      REQUIRE(v->category);
      CHECK(v->category->id == (shape & 32 ? 2 : 1));
      CHECK(v->version == 2);
      CHECK(v->created_at == 1764000000000);
      CHECK(v->updated_at == 1764000005000 + shape);
    }
    // The folded name the name filter searches follows a rename, and only a rename.
    ProductFilter by_name;
    by_name.name = shape & 1 ? "after ärger " + std::to_string(shape) : f.name;
    CHECK(fx.sql().products(by_name).items.size() == 1);
  }
}

TEST_CASE("the projection refuses an event that does not follow its checkpoint", "[read-model]") {
  Fixture fx(GENERATE(false, true));
  RecordedEvent r;
  r.position = 5;
  r.stream = "tag-1";
  r.version = 1;
  r.type = "TagCreated";
  r.data = R"({"id":1,"name":"t"})";
  CHECK_THROWS_AS(fx.projection().apply_batch({r}), std::logic_error);
  CHECK(fx.reads().list_named(Resource::tag).empty());
}

TEST_CASE("the name index follows renames and deletions, and a replay rebuilds it",
          "[read-model]") {
  Fixture fx(GENERATE(false, true));
  Id gun = fx.product("Портальная пушка", 250);
  Id box = fx.product("Meeseeks box", 10);
  ProductPatch rename;
  rename.name = "Портальный пистолет";
  fx.record(ProductUpdated{gun, rename});
  fx.record(ProductDeleted{box});
  auto search = [&](const std::string& name) {
    ProductFilter f;
    f.name = name;
    return fx.ids(f);
  };
  CHECK(search("пистолет") == std::vector<Id>{gun});
  CHECK(search("пушка").empty());
  CHECK(search("seeks").empty());
  CHECK(search("ПОРТАЛ") == std::vector<Id>{gun});
  CHECK(search("\"").empty());  // query syntax is only text

  projections::replay(fx.connection());
  CHECK(search("пистолет") == std::vector<Id>{gun});
  CHECK(search("seeks").empty());
  CHECK(search("ал") == std::vector<Id>{gun});  // two letters: no index, a scan
}

TEST_CASE("a replay of more events than one decoding chunk rebuilds the same tables",
          "[read-model]") {
  Fixture fx;
  fx.record(NamedCreated{Resource::category, 1, "c"});
  fx.record(NamedCreated{Resource::tag, 1, "t"});
  // 10,002 events: replay decodes them in chunks of 4,096 on a second thread, so the last
  // chunk is a partial one, and renames come after the creations they change.
  for (int i = 0; i < 7000; ++i) {
    fx.product("product " + std::to_string(i), i % 100, i % 2 ? std::optional<Id>(1) : std::nullopt,
               i % 3 ? std::vector<Id>{1} : std::vector<Id>{}, 1764000000000 + i);
  }
  for (Id id = 1; id <= 3000; ++id) {
    ProductPatch patch;
    patch.name = "Renamed " + std::to_string(id);
    patch.price_shmeckles = static_cast<double>(id);
    fx.record(ProductUpdated{id, patch}, 1764100000000 + id);
  }
  auto tables = [&] {
    std::string all;
    for (const char* sql :
         {"SELECT id || quote(name) || quote(name_folded) || quote(price_shmeckles) || "
          "quote(category_id) || version || created_at || updated_at FROM products ORDER BY id",
          "SELECT product_id || ',' || tag_id FROM product_tags ORDER BY product_id, tag_id"}) {
      db::Statement s(fx.connection(), sql);
      while (s.step())
        all += s.text(0) + "\n";
    }
    return all;
  };
  std::string before = tables();
  REQUIRE(before.find("'renamed 3000'") != std::string::npos);

  auto stats = projections::replay(fx.connection());
  CHECK(stats.events == 10002);
  CHECK(tables() == before);
}
