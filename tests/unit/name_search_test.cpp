// The names in memory against a plain substring test of every name, through loads, new
// names, renames and deletes, with the replaced names compacted away often or never.
#include "projections/name_search.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>

using catalog::events::Id;
using catalog::projections::NameSearch;
using catalog::projections::TermMemo;

namespace {

// Case-folded, as the projection stores them; repeated letters make names whose trigrams
// repeat, and Cyrillic ones have two bytes to a letter.
const std::vector<std::string> pieces = {"portal", "gun", "plumbus", "портальная", "пушка",
                                         "aaaa",   "ab",  "ba",      "ааа",        " ",
                                         "ß",      "ss",  "€"};

std::vector<Id> every_match(const std::map<Id, std::string>& names, const std::string& term) {
  std::vector<Id> out;
  for (const auto& [id, name] : names) {
    if (name.find(term) != std::string::npos) out.push_back(id);
  }
  return out;
}

class Names {
 public:
  explicit Names(uint32_t seed) : rng_(seed) {}

  std::string name() {
    std::string out;
    for (int64_t n = pick(1, 4); n > 0; --n)
      out += pieces[pick(0, pieces.size() - 1)];
    return out;
  }
  // A piece of a name that exists (found at least once), or of a random one (perhaps not).
  std::string term(const std::map<Id, std::string>& names) {
    std::string from = name();
    if (!names.empty() && pick(0, 2) > 0) {
      auto it = names.begin();
      std::advance(it, pick(0, names.size() - 1));
      from = it->second;
    }
    size_t start = pick(0, from.size() - 1);
    return from.substr(start, pick(0, 12));  // bytes: may cut a letter in two
  }
  int64_t pick(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

 private:
  std::mt19937 rng_;
};

// Five random names given, replaced or taken away, in `truth` and in `search` alike.
void change_names(Names& gen, std::map<Id, std::string>& truth, NameSearch& search) {
  for (int i = 0; i < 5; ++i) {
    Id id = gen.pick(1, 400);
    if (gen.pick(0, 3) == 0) {
      truth.erase(id);
      search.set(id, std::nullopt);
    } else {
      truth[id] = gen.name();
      search.set(id, truth[id]);
    }
  }
}

}  // namespace

TEST_CASE("names are found as a substring test of every name finds them", "[name-search]") {
  size_t compact_after = GENERATE(size_t{0}, size_t{1} << 30);
  Names gen(20261126 + compact_after % 7);
  std::map<Id, std::string> truth;
  NameSearch search(TermMemo::default_min_ids, compact_after);
  for (Id id = 1; id <= 300; ++id) {
    if (gen.pick(0, 4) == 0) continue;  // ids deleted before the load
    truth[id] = gen.name();
    search.append(id, truth[id]);
  }
  search.index();

  int found = 0;
  for (int round = 0; round < 400; ++round) {
    change_names(gen, truth, search);
    REQUIRE(search.size() == truth.size());
    for (int q = 0; q < 10; ++q) {
      std::string term = gen.term(truth);
      INFO("round " << round << ", term '" << term << "'");
      auto expected = every_match(truth, term);
      REQUIRE(search.find(term) == expected);
      found += !expected.empty();
    }
  }
  CHECK(found > 2000);  // most terms matched something: the comparison was not empty
}

TEST_CASE("kept answers follow every rename, removal and new name", "[name-search][term-memo]") {
  Names gen(20261207);
  std::map<Id, std::string> truth;
  NameSearch search(1);  // every answer of one id or more is kept
  for (Id id = 1; id <= 300; ++id) {
    truth[id] = gen.name();
    search.append(id, truth[id]);
  }
  search.index();
  auto ids_of = [](const Roaring& r) {
    std::vector<Id> out;
    for (uint32_t id : r)
      out.push_back(id);
    return out;
  };
  std::vector<std::string> asked;
  int found = 0;
  for (int round = 0; round < 200; ++round) {
    for (int q = 0; q < 5; ++q) {
      std::string term = gen.term(truth);
      asked.push_back(term);
      auto expected = every_match(truth, term);
      INFO("round " << round << ", term '" << term << "'");
      REQUIRE(ids_of(*search.matching(term)) == expected);
      found += !expected.empty();
    }
    change_names(gen, truth, search);
    // Every term asked so far, kept or not, answers for the names as they are now.
    for (const auto& term : asked) {
      INFO("round " << round << ", kept term '" << term << "'");
      REQUIRE(ids_of(*search.matching(term)) == every_match(truth, term));
    }
    if (asked.size() > 40) asked.erase(asked.begin(), asked.begin() + 20);
  }
  CHECK(search.memo().size() > 50);  // the answers came from the memo, not computed again
  CHECK(found > 500);
}

TEST_CASE("the term memo keeps only large answers, within its budget, the least recent going",
          "[term-memo]") {
  auto ids = [](uint32_t from, uint32_t n) {
    Roaring r;
    for (uint32_t i = 0; i < n; ++i)
      r.add(from + i * 3);  // not a run: a run would compress to a few bytes
    return r;
  };
  Roaring probe = ids(0, 1000);
  probe.runOptimize();
  probe.shrinkToFit();
  size_t one = probe.getSizeInBytes(false);
  TermMemo memo(one * 3, 100);
  CHECK(memo.keep("small", ids(0, 99))->cardinality() == 99);
  CHECK(memo.find("small") == nullptr);  // answered, not kept
  memo.keep("a", ids(0, 1000));
  memo.keep("b", ids(1, 1000));
  memo.keep("c", ids(2, 1000));
  CHECK(memo.size() == 3);
  CHECK(memo.find("a"));  // "a" is now more recent than "b"
  memo.keep("d", ids(3, 1000));
  CHECK(memo.size() == 3);
  CHECK(memo.bytes() <= one * 3);
  CHECK(memo.find("b") == nullptr);
  CHECK(memo.find("a"));
  CHECK(memo.find("c"));
  CHECK(memo.find("d"));
  // A rename moves an id into or out of every kept answer whose term it holds.
  memo.renamed(1, "", "a portal");  // holds "a"
  CHECK(memo.find("a")->contains(1));
  memo.renamed(0, "a portal", "b gun");  // 0 was in "a"'s answer
  CHECK_FALSE(memo.find("a")->contains(0));
  memo.clear();
  CHECK(memo.size() == 0);
  CHECK(memo.bytes() == 0);
}

TEST_CASE("a name given again, removed twice or never had changes nothing", "[name-search]") {
  NameSearch search;
  search.set(3, "portal gun");
  search.set(3, "portal gun");
  CHECK(search.find("tal") == std::vector<Id>{3});
  search.set(7, std::nullopt);
  search.set(3, std::nullopt);
  search.set(3, std::nullopt);
  CHECK(search.find("tal").empty());
  CHECK(search.find("").empty());
  CHECK(search.size() == 0);
}

TEST_CASE("ids the index cannot hold are refused, not truncated", "[name-search]") {
  NameSearch search;
  CHECK_THROWS_AS(search.set(Id{1} << 32, "portal"), std::out_of_range);
  CHECK_THROWS_AS(search.set(-1, "portal"), std::out_of_range);
  CHECK(search.find("portal").empty());
}

TEST_CASE("names stored past the first chunk are found, loaded or set, and after compaction",
          "[name-search]") {
  // 6,000 names of about 200 bytes: more than the 1 MiB a chunk of the store holds.
  auto long_name = [](Id id) { return std::string(190, 'x') + "#" + std::to_string(id) + "#"; };
  NameSearch loaded(TermMemo::default_min_ids, 0);
  for (Id id = 1; id <= 6000; ++id)
    loaded.append(id, long_name(id));
  loaded.index();
  NameSearch set_one_by_one(TermMemo::default_min_ids, 0);
  for (Id id = 1; id <= 6000; ++id)
    set_one_by_one.set(id, long_name(id));
  for (auto* search : {&loaded, &set_one_by_one}) {
    CHECK(search->find("#5999#") == std::vector<Id>{5999});
    CHECK(search->find("#1#") == std::vector<Id>{1});
    // Every name replaced: the old ones become garbage, and the store is compacted.
    for (Id id = 1; id <= 6000; ++id)
      search->set(id, "y" + long_name(id));
    CHECK(search->find("y" + long_name(4321)) == std::vector<Id>{4321});
    CHECK(search->find("xx#6000#") == std::vector<Id>{6000});
    CHECK(search->find(std::string(5, 'x')).size() == 6000);
  }
}
