// Seeds the fuzz targets' catalog the way the service records changes: each event appended
// to the hash-chained log and applied to the read tables in the same transaction.
#include "seeded_catalog.hpp"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "db/migrations.hpp"
#include "db/sqlite.hpp"
#include "events/event.hpp"
#include "events/event_store.hpp"
#include "events/hash_chain.hpp"
#include "projections/catalog_projection.hpp"

namespace catalog::fuzz {

namespace {

using namespace events;

ProductFields product(std::string name, double shmeckles, std::optional<Id> category,
                      std::vector<Id> tags) {
  ProductFields f;
  f.name = std::move(name);
  f.price_shmeckles = shmeckles;
  f.price_flurbos = shmeckles / 2;
  f.category_id = category;
  f.tag_ids = std::move(tags);
  return f;
}

// Every kind of event, so that histories, as_of and verify have something to fold; names
// in two scripts, so that case folding matters to the name filter.
std::vector<Event> seed_events() {
  ProductFields gun = product("Портальная пушка", 250, 1, {1, 2});
  gun.description = "Открывает порталы";
  gun.image_url = "https://example.com/gun.png";
  ProductPatch cheaper;
  cheaper.price_shmeckles = 7.5;
  cheaper.description = std::optional<std::string>("Всё для дома");
  ProductPatch uncategorised;
  uncategorised.category_id = std::optional<Id>();
  uncategorised.tag_ids = std::vector<Id>{2, 3};
  return {
      NamedCreated{Resource::category, 1, "Гаджеты"},
      NamedCreated{Resource::category, 2, "Food"},
      NamedCreated{Resource::tag, 1, "Хит"},
      NamedCreated{Resource::tag, 2, "Новинка"},
      NamedCreated{Resource::tag, 3, "sale"},
      ProductCreated{1, gun},
      ProductCreated{2, product("Плюмбус", 10, {}, {3})},
      ProductCreated{3, product("Pickle RICK", 5, 2, {1, 3})},
      ProductCreated{4, product("Мясной шарик", 99.99, 2, {})},
      ProductCreated{5, product("gone", 1, 1, {1})},
      ProductUpdated{2, cheaper},
      ProductUpdated{3, uncategorised},
      NamedRenamed{Resource::category, 2, "Еда"},
      NamedRenamed{Resource::tag, 3, "SALE"},
      ProductDeleted{5},
      NamedCreated{Resource::tag, 4, "temporary"},
      NamedDeleted{Resource::tag, 4},
  };
}

void seed(db::Connection& db) {
  EventStore store(db);
  projections::CatalogProjection projection(db);
  db::Transaction txn(db);
  Head head = store.head();
  std::map<std::string, int64_t> versions;
  Millis at = 1764000000000;
  for (const Event& e : seed_events()) {
    RecordedEvent r;
    r.position = ++head.position;
    r.stream = stream_name(e);
    r.version = ++versions[r.stream];
    r.type = type_name(e);
    r.data = to_json(e).dump();
    r.recorded_at = at += 1000;
    r.hash = chain_hash(head.hash, r);
    head.hash = r.hash;
    store.append(r);
    projection.apply(r);
  }
  projection.set_checkpoint(head.position);
  txn.commit();
}

}  // namespace

SeededCatalog::SeededCatalog()
    : path_((std::filesystem::temp_directory_path() /
             ("catalog-fuzz-" + std::to_string(::getpid()) + ".db"))
                .string()) {
  {
    db::Connection writer(path_, db::OpenMode::read_write_create);
    db::configure(writer, false);
    db::migrate_to_head(writer);
    seed(writer);
  }
  reads_ = std::make_unique<db::ThreadConnections>(path_, false);
}

SeededCatalog::~SeededCatalog() {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(path_ + suffix, ignored);
}

SeededCatalog& seeded_catalog() {
  static SeededCatalog catalog;
  return catalog;
}

}  // namespace catalog::fuzz
