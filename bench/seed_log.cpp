// The event log of bench/large.py's 10M-event scenario, written without HTTP: seeding nine
// million PUTs through the API would take hours on this machine.
//
//   catalog_seed_log DATABASE PRODUCTS CHANGES [SEED]
//
// DATABASE must have been created with `catalog migrate upgrade` and hold no events. Appends
// 10 categories, 50 tags, PRODUCTS products (0-3 tags, random prices, names of two of the
// words of bench/lua/common.lua) and then CHANGES rounds of one price change per product, in
// a shuffled order each round. Every command goes the way the catalog actor sends it
// (src/actors/catalog.cpp): events::decide against the write model, the decided events
// applied at once, positions and the hash chain given at commit, and the batch appended by
// events::store::SqliteLog::append, which also grows the Merkle tree. Only the batches are
// far larger than the actor's, so that the fsync of each commit costs nothing.
//
// The read model is left empty: `catalog replay` builds it afterwards.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "events/clock.hpp"
#include "events/command.hpp"
#include "events/decide.hpp"
#include "events/event.hpp"
#include "events/hash_chain.hpp"
#include "events/recorded_event.hpp"
#include "events/store/sqlite_log.hpp"
#include "events/write_model.hpp"

namespace {

using namespace catalog;
using events::Id;

// Events per transaction: large enough that a commit's fsync is a small share of its time.
constexpr size_t batch_events = 200000;

// bench/lua/common.lua's words, so that the same name filters find something here.
const char* const words[] = {
    "portal",   "plumbus", "meeseeks",  "microverse", "butter",  "szechuan", "cable",  "dark",
    "matter",   "pickle",  "gun",       "box",        "battery", "robot",    "sauce",  "helmet",
    "squanchy", "flurbo",  "schmeckle", "blaster",    "crystal", "serum",    "collar", "drive"};
constexpr int word_count = sizeof(words) / sizeof(words[0]);

class Seeder {
 public:
  explicit Seeder(const std::string& path) : log_(path, false) {
    head_ = log_.head();
    if (head_.position != 0)
      throw std::runtime_error("the database already holds " + std::to_string(head_.position) +
                               " events");
  }

  // What decide_one in src/actors/catalog.cpp does for one command, without the answer.
  // Returns the number of events decided (0: the command changes nothing).
  size_t execute(const events::Command& command) {
    auto decision = events::decide(model_, command);
    if (auto* err = std::get_if<events::DomainError>(&decision))
      throw std::runtime_error("a command was refused: " + err->detail);
    events::Millis now = std::max(events::now_millis(), last_recorded_at_);
    last_recorded_at_ = now;
    const auto& decided = std::get<std::vector<events::Event>>(decision);
    for (const auto& e : decided) {
      events::RecordedEvent rec;
      rec.stream = events::stream_name(e);
      rec.version = model_.next_version(events::resource_of(e), events::entity_id(e));
      rec.type = events::type_name(e);
      rec.data = events::to_json(e).dump();
      rec.recorded_at = now;
      model_.apply(e, now);
      pending_.push_back(std::move(rec));
    }
    if (pending_.size() >= batch_events) commit();
    return decided.size();
  }

  // What commit() in src/actors/catalog.cpp does: positions and hashes at the log's head,
  // then one append (one transaction).
  void commit() {
    if (pending_.empty()) return;
    events::Head head = head_;
    for (auto& rec : pending_) {
      rec.position = ++head.position;
      rec.hash = events::chain_hash(head.hash, rec);
      head.hash = rec.hash;
    }
    log_.append(head_, pending_, {});
    head_ = std::move(head);
    pending_.clear();
  }

  int64_t position() const { return head_.position; }
  // Events decided so far, committed or not.
  int64_t decided() const { return head_.position + static_cast<int64_t>(pending_.size()); }

 private:
  events::store::SqliteLog log_;
  events::WriteModel model_;  // not journaling: a failed batch ends the program anyway
  events::Head head_;
  events::Millis last_recorded_at_ = 0;
  std::vector<events::RecordedEvent> pending_;
};

double price(std::mt19937_64& rng) {
  // Whole hundredths, as common.lua's "%d.%d" bodies give (1.0 to 1000.99).
  return std::uniform_int_distribution<int>(100, 100099)(rng) / 100.0;
}

events::ProductFields product(std::mt19937_64& rng, int64_t i) {
  events::ProductFields f;
  // As product_name() in common.lua: two words, then the number and a random suffix.
  f.name = std::string(words[(i * 7) % word_count]) + " " + words[(i * 13 + 5) % word_count] + " " +
           std::to_string(i) + "-" +
           std::to_string(std::uniform_int_distribution<int>(1, 1000000000)(rng));
  f.price_shmeckles = price(rng);
  f.price_flurbos = std::uniform_int_distribution<int>(1, 700)(rng);
  f.category_id = std::uniform_int_distribution<Id>(1, 10)(rng);
  int tags = std::uniform_int_distribution<int>(0, 3)(rng);
  for (int t = 0; t < tags; ++t)
    f.tag_ids.push_back(std::uniform_int_distribution<Id>(1, 50)(rng));
  std::sort(f.tag_ids.begin(), f.tag_ids.end());
  f.tag_ids.erase(std::unique(f.tag_ids.begin(), f.tag_ids.end()), f.tag_ids.end());
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s DATABASE PRODUCTS CHANGES [SEED]\n", argv[0]);
    return 2;
  }
  try {
    const int64_t products = std::atoll(argv[2]);
    const int changes = std::atoi(argv[3]);
    std::mt19937_64 rng(argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 19);
    auto started = std::chrono::steady_clock::now();
    Seeder seeder(argv[1]);
    for (int i = 1; i <= 10; ++i)
      seeder.execute(
          events::CreateNamed{events::Resource::category, "Category " + std::to_string(i)});
    for (int i = 1; i <= 50; ++i)
      seeder.execute(events::CreateNamed{events::Resource::tag, "Tag " + std::to_string(i)});
    for (int64_t i = 1; i <= products; ++i)
      seeder.execute(events::CreateProduct{product(rng, i)});
    std::vector<Id> order(products);
    std::iota(order.begin(), order.end(), Id{1});
    for (int round = 0; round < changes; ++round) {
      std::shuffle(order.begin(), order.end(), rng);
      for (Id id : order) {
        // A price equal to the current one is no event: drawn again, so each round changes
        // every product.
        events::ProductPatch patch;
        do {
          patch.price_shmeckles = price(rng);
        } while (seeder.execute(events::UpdateProduct{id, patch, std::nullopt}) == 0);
      }
      std::fprintf(stderr, "seed_log: round %d of %d done, %lld events\n", round + 1, changes,
                   static_cast<long long>(seeder.decided()));
    }
    seeder.commit();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("appended %lld events in %.1f s (%.0f events/s)\n",
                static_cast<long long>(seeder.position()), seconds, seeder.position() / seconds);
    return 0;
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "seed_log: %s\n", ex.what());
    return 1;
  }
}
