// A read model on a real SQLite file, fed by recording events as the catalog would: for the
// tests of the projection, the read queries and the filter index.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "db/migrations.hpp"
#include "db/sqlite.hpp"
#include "events/event.hpp"
#include "events/event_store.hpp"
#include "events/hash_chain.hpp"
#include "projections/catalog_projection.hpp"
#include "projections/filter_index.hpp"
#include "projections/product_cache.hpp"
#include "projections/read_model.hpp"

namespace catalog::test {

// With `indexed`, the read model counts the filters it can through a FilterIndex that
// follows each recorded event, as the projector keeps it; without, SQL answers everything.
// With `cached` too, its pages take what a ProductCache kept, emptied as the projector does.
// `price_slack` and `memo_min_ids` go to the index (filter_index.hpp).
class Fixture {
 public:
  explicit Fixture(bool indexed = false, bool cached = false,
                   std::optional<size_t> price_slack = std::nullopt,
                   uint64_t memo_min_ids = projections::TermMemo::default_min_ids)
      : path_(std::filesystem::temp_directory_path() /
              ("catalog-read-model-" + std::to_string(::getpid()) + "-" + std::to_string(++count_) +
               ".db")),
        db_(path_.string(), db::OpenMode::read_write_create),
        projection_(db_),
        index_(price_slack, memo_min_ids),
        reads_(db_, indexed ? &index_ : nullptr, cached ? &cache_ : nullptr),
        sql_(db_) {
    db::configure(db_, false);
    db::migrate_to_head(db_);
    if (indexed) {
      projection_.record_changes(&changes_);
      index_.load(db_);
    }
    if (cached) {
      projection_.before_commit([this](const projections::FilterChanges& c) {
        cache_.before_commit(c.products, c.names);
      });
      cache_.after_commit(projection_.checkpoint());
    }
  }
  ~Fixture() {
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path_.string() + suffix);
  }

  void record(const events::Event& e, events::Millis at = 1764000000000) {
    events::RecordedEvent r;
    r.position = ++position_;
    r.stream = events::stream_name(e);
    r.version = ++versions_[r.stream];
    r.type = events::type_name(e);
    r.data = events::to_json(e).dump();
    r.recorded_at = at;
    r.hash = events::chain_hash(previous_, r);
    previous_ = r.hash;
    // In the log too, so that a replay has something to rebuild from.
    events::EventStore(db_).append(r);
    projection_.apply_batch({r});
    if (index_.loaded()) index_.refresh(db_, changes_, projection_.checkpoint());
    changes_.clear();
    cache_.after_commit(projection_.checkpoint());
  }

  events::Id product(const std::string& name, double shmeckles,
                     std::optional<events::Id> category = {}, std::vector<events::Id> tags = {},
                     events::Millis at = 1764000000000) {
    events::ProductFields f;
    f.name = name;
    f.price_shmeckles = shmeckles;
    f.price_flurbos = shmeckles / 2;
    f.category_id = category;
    f.tag_ids = std::move(tags);
    events::Id id = ++products_;
    record(events::ProductCreated{id, f}, at);
    return id;
  }

  std::vector<events::Id> ids(const projections::ProductFilter& f) {
    std::vector<events::Id> out;
    for (const auto& p : reads_.products(f).items)
      out.push_back(p.id);
    return out;
  }

  projections::ReadModel& reads() { return reads_; }
  // The same tables read by SQL alone, whether or not `reads()` has the index.
  projections::ReadModel& sql() { return sql_; }
  projections::FilterIndex& index() { return index_; }
  projections::ProductCache& cache() { return cache_; }
  db::Connection& connection() { return db_; }
  projections::CatalogProjection& projection() { return projection_; }

 private:
  static inline int count_ = 0;
  std::filesystem::path path_;
  db::Connection db_;
  projections::CatalogProjection projection_;
  projections::FilterChanges changes_;
  projections::FilterIndex index_;
  projections::ProductCache cache_;
  projections::ReadModel reads_;
  projections::ReadModel sql_;
  int64_t position_ = 0;
  std::string previous_{events::genesis_hash};
  events::Id products_ = 0;
  std::map<std::string, int64_t> versions_;
};

}  // namespace catalog::test
