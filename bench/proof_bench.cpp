// The server time of the audit routes (bench/proofs.py): what the handlers of
// GET /audit/proof/inclusion, /audit/proof/consistency and /audit/tree-head do for random
// sizes, timed in this process on a catalog database opened read-only, without HTTP.
//
//   catalog_proof_bench DATABASE [PAIRS] [SEED]
//
// Each timed call is the handler's work after the query is parsed: the head read, the proof
// or root through merkle::SqliteTree(db).fetcher(), and the JSON body. The connection is set
// up as the service's read connections are (db/thread_connections.cpp), so the page cache is
// as small as theirs.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "db/sqlite.hpp"
#include "events/clock.hpp"
#include "events/event_store.hpp"
#include "merkle/node_cache.hpp"
#include "merkle/signing_key.hpp"
#include "merkle/sqlite_tree.hpp"
#include "merkle/tree.hpp"
#include "merkle/tree_head.hpp"

namespace {

using namespace catalog;
using Clock = std::chrono::steady_clock;

// Untimed calls first: the first reads of a cold file would otherwise be timed as the
// proofs' own cost.
constexpr int warmup_pairs = 1000;
// The proofs checked by an auditor's rules before timing, so that what is timed is right.
constexpr int verified_pairs = 100;

struct Pair {
  int64_t low;   // position (inclusion) or first (consistency)
  int64_t high;  // tree_size or second
};

// Uniform sizes over the whole log, and a uniform position (or first size) within each.
std::vector<Pair> random_pairs(std::mt19937_64& rng, int64_t head, int count) {
  std::vector<Pair> out;
  out.reserve(count);
  for (int i = 0; i < count; ++i) {
    int64_t high = std::uniform_int_distribution<int64_t>(1, head)(rng);
    out.push_back({std::uniform_int_distribution<int64_t>(1, high)(rng), high});
  }
  return out;
}

nlohmann::json hex_list(const std::vector<merkle::Hash>& hashes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& h : hashes)
    out.push_back(merkle::to_hex(h));
  return out;
}

// The handlers' bodies, as src/http/audit_proof_routes.cpp builds them. Each returns the
// number of hashes of its path (a tree head: the nodes its root combines), so the output can
// say how long the proofs were.
// The service keeps one for the whole process (src/app/serve.cpp).
merkle::NodeCache upper_levels;

size_t inclusion(db::Connection& db, const Pair& p, std::string& body) {
  db::Transaction snapshot(db, db::Transaction::Kind::deferred);
  events::EventStore(db).head();
  merkle::SqliteTree tree(db, &upper_levels);
  auto leaf = tree.fetch({{0, p.low - 1}}).front();
  auto path = merkle::inclusion_path(tree.fetcher(), p.low - 1, p.high);
  body = nlohmann::json{{"position", p.low},
                        {"tree_size", p.high},
                        {"leaf_hash", merkle::to_hex(leaf)},
                        {"audit_path", hex_list(path)}}
             .dump();
  snapshot.commit();
  return path.size();
}

size_t consistency(db::Connection& db, const Pair& p, std::string& body) {
  db::Transaction snapshot(db, db::Transaction::Kind::deferred);
  events::EventStore(db).head();
  merkle::SqliteTree tree(db, &upper_levels);
  auto path = merkle::consistency_path(tree.fetcher(), p.low, p.high);
  body = nlohmann::json{{"first", p.low}, {"second", p.high}, {"consistency_path", hex_list(path)}}
             .dump();
  snapshot.commit();
  return path.size();
}

size_t tree_head(db::Connection& db, const merkle::SigningKey& key, const Pair& p,
                 std::string& body) {
  db::Transaction snapshot(db, db::Transaction::Kind::deferred);
  events::EventStore(db).head();
  merkle::SqliteTree tree(db, &upper_levels);
  merkle::SignedTreeHead head{p.high,
                              merkle::to_hex(merkle::root(tree.fetcher(), p.high)),
                              events::format_iso(events::now_millis()),
                              key.key_id(),
                              {}};
  head.signature = key.sign_base64(merkle::tree_head_message(head));
  body = nlohmann::json{{"tree_size", head.tree_size},
                        {"root_hash", head.root_hash},
                        {"timestamp", head.timestamp},
                        {"key_id", head.key_id},
                        {"signature", head.signature}}
             .dump();
  snapshot.commit();
  return merkle::decomposition(p.high).size();
}

void verify(db::Connection& db, const std::vector<Pair>& inclusions,
            const std::vector<Pair>& consistencies) {
  merkle::SqliteTree tree(db);
  auto fetch = tree.fetcher();
  for (int i = 0; i < verified_pairs && i < static_cast<int>(inclusions.size()); ++i) {
    const auto& p = inclusions[i];
    auto leaf = tree.fetch({{0, p.low - 1}}).front();
    if (!merkle::verify_inclusion(p.low - 1, p.high, leaf,
                                  merkle::inclusion_path(fetch, p.low - 1, p.high),
                                  merkle::root(fetch, p.high)))
      throw std::runtime_error("the inclusion proof of position " + std::to_string(p.low) + " in " +
                               std::to_string(p.high) + " does not verify");
  }
  for (int i = 0; i < verified_pairs && i < static_cast<int>(consistencies.size()); ++i) {
    const auto& p = consistencies[i];
    if (!merkle::verify_consistency(p.low, p.high, merkle::consistency_path(fetch, p.low, p.high),
                                    merkle::root(fetch, p.low), merkle::root(fetch, p.high)))
      throw std::runtime_error("the consistency proof from " + std::to_string(p.low) + " to " +
                               std::to_string(p.high) + " does not verify");
  }
}

double percentile(const std::vector<double>& sorted, double pct) {
  size_t rank = static_cast<size_t>(pct / 100.0 * static_cast<double>(sorted.size()));
  return sorted[std::min(rank, sorted.size() - 1)];
}

// Times `call` over `pairs` after the warm-up ones; prints one row of the table.
void run(const char* kind, const std::vector<Pair>& warmup, const std::vector<Pair>& pairs,
         const std::function<size_t(const Pair&, std::string&)>& call) {
  std::string body;
  size_t bytes = 0;
  for (const auto& p : warmup)
    bytes += call(p, body);
  std::vector<double> micros;
  micros.reserve(pairs.size());
  size_t hashes = 0;
  for (const auto& p : pairs) {
    auto started = Clock::now();
    hashes += call(p, body);
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - started).count());
    bytes += body.size();
  }
  double total = 0;
  for (double m : micros)
    total += m;
  std::sort(micros.begin(), micros.end());
  std::printf("%-12s %8zu %10.1f %10.1f %10.1f %10.1f\n", kind, pairs.size(),
              percentile(micros, 50), percentile(micros, 99), total / micros.size(),
              static_cast<double>(hashes) / pairs.size());
  (void)bytes;  // read, so the bodies are not optimised away
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::cerr << "usage: catalog_proof_bench DATABASE [PAIRS] [SEED]\n";
    return 2;
  }
  int count = argc > 2 ? std::atoi(argv[2]) : 10000;
  uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 17;
  try {
    db::Connection db(argv[1], db::OpenMode::read_only);
    db::wait_when_busy(db);
    db.exec("PRAGMA mmap_size=0");
    db.exec("PRAGMA cache_size=-8192");
    int64_t head = events::EventStore(db).head().position;
    if (head < 1) throw std::runtime_error("the log is empty");

    // A throwaway key: signing is part of a tree head's answer.
    auto dir = std::filesystem::temp_directory_path() /
               ("catalog-proof-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto key = merkle::SigningKey::read_or_create((dir / "key.pem").string());
    std::filesystem::remove_all(dir);

    std::mt19937_64 rng(seed);
    auto inclusions = random_pairs(rng, head, count);
    auto consistencies = random_pairs(rng, head, count);
    auto sizes = random_pairs(rng, head, count);
    verify(db, inclusions, consistencies);

    std::printf(
        "server time of the audit routes' handlers on %lld events, in process (no HTTP: "
        "head read, proof through merkle::SqliteTree, JSON body); %d random pairs each "
        "after %d untimed; %d of each kind verified first\n",
        static_cast<long long>(head), count, warmup_pairs, verified_pairs);
    std::printf("%-12s %8s %10s %10s %10s %10s\n", "kind", "pairs", "median_us", "p99_us",
                "mean_us", "hashes");
    run("inclusion", random_pairs(rng, head, warmup_pairs), inclusions,
        [&](const Pair& p, std::string& body) { return inclusion(db, p, body); });
    run("consistency", random_pairs(rng, head, warmup_pairs), consistencies,
        [&](const Pair& p, std::string& body) { return consistency(db, p, body); });
    run("tree-head", random_pairs(rng, head, warmup_pairs), sizes,
        [&](const Pair& p, std::string& body) { return tree_head(db, key, p, body); });
  } catch (const std::exception& e) {
    std::cerr << "catalog_proof_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
