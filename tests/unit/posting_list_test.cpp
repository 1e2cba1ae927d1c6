// The compressed id lists against a std::set of the same ids, through appends, inserts in
// the middle (which split blocks) and removals (which empty them).
#include "projections/posting_list.hpp"

#include <catch2/catch.hpp>
#include <limits>
#include <random>
#include <set>

using catalog::projections::PostingList;

namespace {

std::vector<uint32_t> ids_of(const PostingList& list) {
  std::vector<uint32_t> out;
  list.decode(out);
  return out;
}

}  // namespace

TEST_CASE("a posting list holds the ids a set holds, in order", "[posting-list]") {
  std::mt19937 rng(20261126);
  auto pick = [&](uint32_t lo, uint32_t hi) {
    return std::uniform_int_distribution<uint32_t>(lo, hi)(rng);
  };
  // Gaps of one byte, of several, and ids near the top of the range.
  uint32_t spread =
      GENERATE(uint32_t{2'000}, uint32_t{5'000'000}, std::numeric_limits<uint32_t>::max());
  PostingList list;
  std::set<uint32_t> truth;
  for (int round = 0; round < 300; ++round) {
    for (int i = 0; i < 20; ++i) {
      uint32_t id = pick(0, spread);
      bool present = truth.count(id) > 0;
      if (pick(0, 3) == 0) {
        CHECK(list.remove(id) == present);
        truth.erase(id);
      } else {
        CHECK(list.add(id) == !present);
        truth.insert(id);
      }
    }
    // New products: ascending ids past every other.
    uint32_t top = truth.empty() ? 0 : *truth.rbegin();
    for (int i = 0; i < 10 && top < spread - 1000; ++i) {
      top += pick(1, 300);
      CHECK(list.add(top));
      truth.insert(top);
    }
    REQUIRE(list.size() == truth.size());
    REQUIRE(ids_of(list) == std::vector<uint32_t>(truth.begin(), truth.end()));
  }
  CHECK(truth.size() > 2 * PostingList::block_ids);  // several blocks, split and merged
  for (uint32_t id : std::set<uint32_t>(truth))
    CHECK(list.remove(id));
  CHECK(list.empty());
  CHECK(ids_of(list).empty());
}
