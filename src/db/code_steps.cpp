#include "db/code_steps.hpp"

#include <spdlog/spdlog.h>

#include "app/progress.hpp"
#include "merkle/sqlite_tree.hpp"

namespace catalog::db {

namespace {

constexpr int merkle_tree_revision = 11;

void build_merkle_tree(Connection& db) {
  app::Progress progress("building the Merkle tree");
  int64_t added = merkle::SqliteTree(db).catch_up(std::ref(progress));
  if (added > 0)
    spdlog::info("built the Merkle tree of {} logged events in {:.1f} s", added,
                 progress.elapsed());
}

}  // namespace

void complete_in_code(Connection& db, const Migration& m) {
  if (m.revision == merkle_tree_revision) build_merkle_tree(db);
}

void complete_in_code(Connection& db) {
  Migrator migrator(db, embedded_migrations());
  for (int revision : migrator.applied()) {
    const Migration* m = migrator.find(revision);
    if (m == nullptr) continue;
    Transaction txn(db);
    complete_in_code(db, *m);
    txn.commit();
  }
}

}  // namespace catalog::db
