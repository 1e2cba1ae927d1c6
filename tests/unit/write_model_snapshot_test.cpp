// The write model's snapshot: what a start loads instead of folding the log, and what it
// refuses (cut short, damaged, of another log, ahead of the log), folding the log instead.
#include "events/write_model_snapshot.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "events/hash_chain.hpp"

using namespace catalog::events;

namespace {

struct Folded {
  WriteModel model;
  Head head{0, std::string(genesis_hash)};
  std::map<int64_t, std::string> hashes;  // the "log": position -> chain hash
  Millis last = 0;

  void apply(const Event& e) {
    last += 1000;
    model.apply(e, last);
    ++head.position;
    head.hash = std::string(64, "0123456789abcdef"[head.position % 16]);
    head.hash[0] = static_cast<char>('a' + head.position % 6);
    hashes[head.position] = head.hash;
  }
  HashAt hash_at() const {
    return [this](int64_t position) -> std::optional<std::string> {
      auto it = hashes.find(position);
      if (it == hashes.end()) return std::nullopt;
      return it->second;
    };
  }
};

Folded a_catalog() {
  Folded f;
  f.apply(NamedCreated{Resource::category, 1, "Gadgets"});
  f.apply(NamedCreated{Resource::category, 2, "Еда"});
  f.apply(NamedRenamed{Resource::category, 2, "ЕДА и напитки"});
  for (Id t = 1; t <= 3; ++t)
    f.apply(NamedCreated{Resource::tag, t, "tag " + std::to_string(t)});
  f.apply(NamedDeleted{Resource::tag, 3});  // the next tag is still 4
  for (Id id = 1; id <= 2000; ++id) {
    ProductFields p;
    p.name = "portal plumbus " + std::to_string(id) + (id % 7 == 0 ? std::string(300, 'x') : "");
    if (id % 3 == 0) p.description = id % 2 ? "" : "a description, «unicode»";
    if (id % 5 == 0) p.image_url = "https://example.com/" + std::to_string(id) + ".png";
    p.price_shmeckles = id * 0.25;
    p.price_flurbos = id % 11;
    if (id % 4) p.category_id = id % 2 + 1;
    for (Id t = 1; t <= 2; ++t) {
      if ((id + t) % 3 == 0) p.tag_ids.push_back(t);
    }
    f.apply(ProductCreated{id, p});
  }
  ProductPatch patch;
  patch.price_shmeckles = 99.5;
  patch.description = std::optional<std::string>{};
  f.apply(ProductUpdated{6, patch});
  f.apply(ProductDeleted{2000});  // the next product is still 2001
  f.apply(ProductDeleted{10});
  return f;
}

void check_same(const WriteModel& a, const WriteModel& b) {
  for (Resource kind : {Resource::category, Resource::tag, Resource::product})
    REQUIRE(a.next_id(kind) == b.next_id(kind));
  for (Resource kind : {Resource::category, Resource::tag}) {
    for (Id id = 0; id <= a.next_id(kind); ++id) {
      const NamedState* x = a.named(kind, id);
      const NamedState* y = b.named(kind, id);
      REQUIRE((x == nullptr) == (y == nullptr));
      if (!x) continue;
      CHECK(x->name == y->name);
      CHECK(x->folded == y->folded);
      CHECK(x->version == y->version);
      CHECK(b.named_by_folded(kind, x->folded) == id);
    }
  }
  REQUIRE(a.product_count() == b.product_count());
  for (Id id = 0; id <= a.next_id(Resource::product); ++id) {
    auto x = a.product(id);
    auto y = b.product(id);
    REQUIRE(static_cast<bool>(x) == static_cast<bool>(y));
    if (!x) continue;
    INFO("product " << id);
    CHECK(x->fields == y->fields);
    CHECK(x->version == y->version);
    CHECK(x->created_at == y->created_at);
    CHECK(x->updated_at == y->updated_at);
    CHECK(a.next_version(Resource::product, id) == b.next_version(Resource::product, id));
  }
}

struct TempFile {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("catalog-snapshot-" + std::to_string(::getpid()) + "-" +
                       std::to_string(reinterpret_cast<uintptr_t>(this))))
                         .string();
  ~TempFile() {
    std::filesystem::remove(path);
    std::filesystem::remove(path + ".tmp");
  }
  std::string bytes() const {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  void write(const std::string& data) const {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
  }
};

}  // namespace

TEST_CASE("a snapshot loads as the model it was taken of", "[snapshot]") {
  Folded f = a_catalog();
  TempFile file;
  save_snapshot(file.path, f.model, f.head, f.last);
  CHECK_FALSE(std::filesystem::exists(file.path + ".tmp"));
  std::string why;
  auto loaded = load_snapshot(file.path, f.hash_at(), why);
  INFO(why);
  REQUIRE(loaded);
  CHECK(why.empty());
  CHECK(loaded->head.position == f.head.position);
  CHECK(loaded->head.hash == f.head.hash);
  CHECK(loaded->last_recorded_at == f.last);
  check_same(f.model, loaded->model);

  // The loaded model goes on as the folded one does: the same next ids and decisions.
  ProductFields p;
  p.name = "after";
  loaded->model.apply(ProductCreated{2001, p}, f.last + 1);
  f.model.apply(ProductCreated{2001, p}, f.last + 1);
  check_same(f.model, loaded->model);
}

TEST_CASE("a missing snapshot is no snapshot, without a reason", "[snapshot]") {
  Folded f = a_catalog();
  std::string why = "stale";
  CHECK_FALSE(load_snapshot("/nonexistent/dir/catalog.db.write-model", f.hash_at(), why));
  CHECK(why.empty());
}

TEST_CASE("a snapshot cut short, damaged or of another log is refused with the reason",
          "[snapshot]") {
  Folded f = a_catalog();
  TempFile file;
  save_snapshot(file.path, f.model, f.head, f.last);
  const std::string whole = file.bytes();
  std::string why;

  SECTION("cut short, as a copy interrupted or a disk full would leave it") {
    for (size_t keep : {size_t{0}, size_t{10}, whole.size() / 2, whole.size() - 1}) {
      file.write(whole.substr(0, keep));
      INFO("kept " << keep << " bytes");
      CHECK_FALSE(load_snapshot(file.path, f.hash_at(), why));
      CHECK_FALSE(why.empty());
    }
  }
  SECTION("one byte changed anywhere") {
    for (size_t at : {size_t{30}, whole.size() / 3, whole.size() - 40, whole.size() - 1}) {
      std::string damaged = whole;
      damaged[at] = static_cast<char>(damaged[at] ^ 0x20);
      file.write(damaged);
      INFO("byte " << at);
      CHECK_FALSE(load_snapshot(file.path, f.hash_at(), why));
      CHECK(why.find("digest") != std::string::npos);
    }
  }
  SECTION("of another log: the log's event at its position has another hash") {
    Folded other = a_catalog();
    other.hashes[f.head.position] = std::string(64, 'f');
    CHECK_FALSE(load_snapshot(file.path, other.hash_at(), why));
    CHECK(why.find("another hash") != std::string::npos);
  }
  SECTION("ahead of the log: a copy of the database from before it was taken") {
    Folded shorter = a_catalog();
    shorter.hashes.erase(f.head.position);
    CHECK_FALSE(load_snapshot(file.path, shorter.hash_at(), why));
    CHECK(why.find("no event at its position") != std::string::npos);
  }
  SECTION("a file that is not a snapshot") {
    file.write("PRAGMA journal_mode=WAL; this is not a snapshot at all, but long enough....");
    CHECK_FALSE(load_snapshot(file.path, f.hash_at(), why));
    CHECK(why.find("not a write model snapshot") != std::string::npos);
  }
}

TEST_CASE("a snapshot that cannot be written leaves the old one and no temporary file",
          "[snapshot]") {
  Folded f = a_catalog();
  TempFile file;
  save_snapshot(file.path, f.model, f.head, f.last);
  std::string before = file.bytes();
  // The temporary file's name taken by a directory: opening it for writing fails.
  std::filesystem::create_directory(file.path + ".tmp");
  f.apply(NamedCreated{Resource::tag, 4, "later"});
  CHECK_THROWS_WITH(save_snapshot(file.path, f.model, f.head, f.last),
                    Catch::Contains(file.path + ".tmp"));
  CHECK(file.bytes() == before);
  std::filesystem::remove(file.path + ".tmp");
}

TEST_CASE("a clone of the model is the same and goes its own way", "[snapshot]") {
  Folded f = a_catalog();
  WriteModel copy = f.model.clone();
  check_same(f.model, copy);
  TempFile of_model, of_copy;
  save_snapshot(of_model.path, f.model, f.head, f.last);
  save_snapshot(of_copy.path, copy, f.head, f.last);
  CHECK(of_copy.bytes() == of_model.bytes());  // the records copied as they are

  // Changes to the model after the copy, as the catalog goes on while a snapshot is written.
  Folded before = a_catalog();
  ProductPatch patch;
  patch.name = "renamed after the copy";
  f.apply(ProductUpdated{7, patch});
  f.apply(ProductDeleted{8});
  f.apply(NamedRenamed{Resource::tag, 1, "renamed tag"});
  for (Id id = 2001; id <= 3000; ++id) {  // enough to fill new chunks and compact old ones
    ProductFields p;
    p.name = std::string(500, 'y');
    f.apply(ProductCreated{id, p});
  }
  check_same(before.model, copy);
  // And the copy changes alone.
  copy.apply(ProductDeleted{1}, f.last);
  CHECK(f.model.product(1));
  CHECK_FALSE(copy.product(1));

  // Not inside a batch, whose undo journal the copy could not carry.
  f.model.begin_batch();
  CHECK_THROWS_AS(f.model.clone(), std::logic_error);
  f.model.rollback_batch();
}
