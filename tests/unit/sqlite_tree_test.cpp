// The tree as the service stores it: written with each appended event, completed for a log
// that had none, and checked against the log. Roots are compared with an MTH computed here
// from the events' hashes alone (RFC 9162 §2.1.1), not with src/merkle's own.
#include "merkle/sqlite_tree.hpp"

#include <openssl/sha.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "db/code_steps.hpp"
#include "db/migrations.hpp"
#include "db/sqlite.hpp"
#include "events/event_store.hpp"
#include "events/hash_chain.hpp"
#include "merkle/node_cache.hpp"

namespace {

using catalog::merkle::Hash;
using catalog::merkle::SqliteTree;
namespace db = catalog::db;
namespace events = catalog::events;

std::string sha256(const std::string& bytes) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

std::string raw(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

// MTH(D[lo:hi]) over the leaf inputs (the raw event hashes).
std::string mth(const std::vector<std::string>& entries, size_t lo, size_t hi) {
  if (hi - lo == 1) return sha256(std::string(1, '\0') + entries[lo]);
  size_t k = 1;
  while (k * 2 < hi - lo)
    k *= 2;
  return sha256(std::string(1, '\1') + mth(entries, lo, lo + k) + mth(entries, lo + k, hi));
}

std::string bytes(const Hash& h) {
  return std::string(h.begin(), h.end());
}

// A migrated log whose events are appended through the real EventStore.
class Log {
 public:
  Log()
      : path_(std::filesystem::temp_directory_path() /
              ("catalog-sqlite-tree-" + std::to_string(::getpid()) + "-" +
               std::to_string(++count_) + ".db")),
        db_(path_.string(), db::OpenMode::read_write_create) {
    db::configure(db_, false);
    db::migrate_to_head(db_);
  }
  ~Log() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(path_.string() + suffix);
  }

  void append(int n) {
    for (int i = 0; i < n; ++i) {
      events::RecordedEvent r;
      r.position = static_cast<int64_t>(entries_.size()) + 1;
      r.stream = "tag-" + std::to_string(r.position);
      r.version = 1;
      r.type = "TagCreated";
      r.data = R"({"id":)" + std::to_string(r.position) + R"(,"name":"t"})";
      r.recorded_at = 1764000000000 + r.position;
      r.hash = events::chain_hash(previous_, r);
      db::Transaction txn(db_);
      events::EventStore(db_, edge_).append(r);
      txn.commit();
      previous_ = r.hash;
      entries_.push_back(raw(r.hash));
    }
  }
  // Appends keep the tree's right edge here, as the writer does.
  void keep_edge(std::optional<catalog::merkle::Frontier>* edge) { edge_ = edge; }
  std::string expected_root(size_t size) const { return mth(entries_, 0, size); }
  int64_t size() const { return static_cast<int64_t>(entries_.size()); }
  db::Connection& db() { return db_; }

  // The append-only guards off, as someone editing the file by hand would do.
  void unguard() {
    db_.exec("DROP TRIGGER merkle_nodes_append_only_update");
    db_.exec("DROP TRIGGER merkle_nodes_append_only_delete");
  }
  int64_t nodes() {
    db::Statement s(db_, "SELECT count(*) FROM merkle_nodes");
    s.step();
    return s.int64(0);
  }

 private:
  static inline int count_ = 0;
  std::filesystem::path path_;
  db::Connection db_;
  std::string previous_{events::genesis_hash};
  std::vector<std::string> entries_;
  std::optional<catalog::merkle::Frontier>* edge_ = nullptr;
};

}  // namespace

TEST_CASE("each append stores the nodes it completes: every root is the MTH of the log") {
  Log log;
  for (int n = 1; n <= 70; ++n) {
    log.append(1);
    SqliteTree tree(log.db());
    for (int64_t size = 1; size <= n; ++size)
      REQUIRE(bytes(catalog::merkle::root(tree.fetcher(), size)) == log.expected_root(size));
    REQUIRE(log.nodes() == catalog::merkle::inner_node_count(n));
    REQUIRE_FALSE(tree.check(n).has_value());
  }
}

TEST_CASE("a log without its tree, or with part of it, is completed from where it stops") {
  Log log;
  log.append(77);
  log.unguard();
  for (int64_t kept : {0, 1, 2, 5, 32, 33, 64, 76, 77}) {
    INFO("nodes kept for the first " << kept << " events");
    db::Statement drop(log.db(), "DELETE FROM merkle_nodes WHERE seq > ?");
    drop.bind(1, catalog::merkle::inner_node_count(kept));
    drop.step();
    // 76 and 77 events have as many nodes: the tree of the first 76 is already complete.
    REQUIRE(SqliteTree(log.db()).catch_up() == (kept >= 76 ? 0 : log.size() - (kept / 2) * 2));
    SqliteTree tree(log.db());
    CHECK(bytes(catalog::merkle::root(tree.fetcher(), log.size())) ==
          log.expected_root(log.size()));
    CHECK_FALSE(tree.check(log.size()).has_value());
  }
  // Again, with nothing to do: a few reads, no change, and nothing said (an odd log too).
  CHECK(SqliteTree(log.db()).catch_up() == 0);
  CHECK(log.nodes() == catalog::merkle::inner_node_count(log.size()));
}

TEST_CASE("serve completes the tree of a revision applied by hand, then appends go on") {
  Log log;
  log.append(10);
  log.unguard();
  log.db().exec("DELETE FROM merkle_nodes");
  db::complete_in_code(log.db());
  log.append(5);
  SqliteTree tree(log.db());
  CHECK(bytes(catalog::merkle::root(tree.fetcher(), 15)) == log.expected_root(15));
  CHECK_FALSE(tree.check(15).has_value());
}

TEST_CASE("check names the first event whose node is wrong, missing, or one node too many") {
  Log log;
  log.append(20);
  log.unguard();
  SECTION("a changed node") {
    // level 2, index 1: leaves 4..7, completed by the event at position 8
    db::Statement change(log.db(), "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE seq = ?");
    change.bind(1, catalog::merkle::node_seq({2, 1}));
    change.step();
    auto fault = SqliteTree(log.db()).check(20);
    REQUIRE(fault);
    CHECK(fault->position == 8);
    CHECK_THAT(fault->what, Catch::Contains("node 2/1") && Catch::Contains("not the hash"));
  }
  SECTION("a missing node") {
    db::Statement drop(log.db(), "DELETE FROM merkle_nodes WHERE seq = ?");
    drop.bind(1, catalog::merkle::node_seq({1, 5}));
    drop.step();
    auto fault = SqliteTree(log.db()).check(20);
    REQUIRE(fault);
    CHECK(fault->position == 12);
    CHECK_THAT(fault->what, Catch::Contains("lacks"));
  }
  SECTION("a node no event completes") {
    log.db().exec("INSERT INTO merkle_nodes (seq, hash) VALUES (99, zeroblob(32))");
    auto fault = SqliteTree(log.db()).check(20);
    REQUIRE(fault);
    CHECK_THAT(fault->what, Catch::Contains("holds 19 nodes where 20 events make 18"));
  }
  SECTION("an event whose hash was changed") {
    db::Statement names(log.db(),
                        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
                        "tbl_name = 'events'");
    std::vector<std::string> triggers;
    while (names.step())
      triggers.push_back(std::string(names.text_view(0)));
    for (const auto& t : triggers)
      log.db().exec("DROP TRIGGER \"" + t + "\"");
    log.db().exec("UPDATE events SET hash = '" + std::string(64, 'a') + "' WHERE position = 3");
    auto fault = SqliteTree(log.db()).check(20);
    REQUIRE(fault);
    CHECK(fault->position == 4);  // the event beside it completes the first node over it
  }
}

TEST_CASE("nodes are numbered in the order they are written") {
  std::vector<catalog::merkle::NodeId> written;
  catalog::merkle::Frontier frontier;
  for (int leaf = 0; leaf < 300; ++leaf)
    frontier.push(Hash{},
                  [&](const catalog::merkle::NodeId& id, const Hash&) { written.push_back(id); });
  for (size_t i = 0; i < written.size(); ++i)
    REQUIRE(catalog::merkle::node_seq(written[i]) == static_cast<int64_t>(i) + 1);
}

TEST_CASE("the stored tree refuses UPDATE and DELETE") {
  Log log;
  log.append(4);
  CHECK_THROWS_WITH(log.db().exec("UPDATE merkle_nodes SET hash = zeroblob(32)"),
                    Catch::Contains("append-only"));
  CHECK_THROWS_WITH(log.db().exec("DELETE FROM merkle_nodes"), Catch::Contains("append-only"));
  CHECK(log.nodes() == 3);
}

TEST_CASE("the upper levels kept in memory give the stored hashes, and follow the tree's growth") {
  Log log;
  catalog::merkle::NodeCache cache;
  log.append(100);
  for (int n = 100; n <= 300; n += 100) {
    if (n > 100) log.append(100);
    SqliteTree cached(log.db(), &cache), plain(log.db());
    for (int64_t size = 1; size <= n; size += 7) {
      REQUIRE(bytes(catalog::merkle::root(cached.fetcher(), size)) == log.expected_root(size));
      REQUIRE(catalog::merkle::inclusion_path(cached.fetcher(), size / 2, size) ==
              catalog::merkle::inclusion_path(plain.fetcher(), size / 2, size));
    }
  }
  // 300 events hold nodes of level 5 (32 leaves) 0..8; the 10th is not written yet.
  SqliteTree tree(log.db());
  CHECK(cache.get(tree, {5, 8}) == tree.stored({5, 8}));
  CHECK_FALSE(cache.get(tree, {5, 9}).has_value());
  log.append(20);
  CHECK(cache.get(tree, {5, 9}) == tree.stored({5, 9}));
  CHECK(cache.get(tree, {5, 9}).has_value());
  CHECK_THROWS_AS(cache.get(tree, {4, 0}), std::logic_error);
}

TEST_CASE("a kept right edge writes the same nodes without reading, and is read again when stale") {
  Log log;
  std::optional<catalog::merkle::Frontier> edge;
  log.keep_edge(&edge);
  log.append(99);
  edge.reset();  // as after a failed append: read again from the database
  log.append(21);
  edge.emplace();  // the edge of another size: read again
  log.append(30);
  REQUIRE(edge->size() == 150);
  SqliteTree tree(log.db());
  for (int64_t size = 1; size <= 150; ++size)
    REQUIRE(bytes(catalog::merkle::root(tree.fetcher(), size)) == log.expected_root(size));
  CHECK(bytes(edge->root()) == log.expected_root(150));
  CHECK_FALSE(tree.check(150).has_value());
}
