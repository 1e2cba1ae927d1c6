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
  // 1: every answer is kept, those of short terms too; by default, short terms are kept only
  // when large, longer ones always.
  uint64_t min_ids = GENERATE(uint64_t{1}, TermMemo::default_min_ids);
  Names gen(20261207);
  std::map<Id, std::string> truth;
  NameSearch search(min_ids);
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
  CHECK(search.memo().size() <= TermMemo::default_max_terms);
  CHECK(found > 500);
}

TEST_CASE("the term memo keeps large answers within its budget, the least recent going",
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
  // A kept answer costs its bitmap and its term with the entry around them: 256 bytes is
  // more than that, and less than the bitmap.
  size_t one = probe.getSizeInBytes(false) + 256;
  REQUIRE(probe.getSizeInBytes(false) > 3 * 256);
  TermMemo memo(one * 3, 100);
  CHECK(memo.keep("small", ids(0, 99), std::nullopt)->cardinality() == 99);
  CHECK(memo.find("small") == nullptr);  // answered, not kept: no anchor, and small
  memo.keep("a", ids(0, 1000), std::nullopt);
  memo.keep("b", ids(1, 1000), std::nullopt);
  memo.keep("c", ids(2, 1000), std::nullopt);
  CHECK(memo.size() == 3);
  CHECK(memo.find("a"));  // "a" is now more recent than "b"
  memo.keep("d", ids(3, 1000), std::nullopt);
  CHECK(memo.size() == 3);
  CHECK(memo.bytes() <= one * 3);
  CHECK(memo.find("b") == nullptr);
  CHECK(memo.find("a"));
  CHECK(memo.find("c"));
  CHECK(memo.find("d"));
  // A rename moves an id into or out of every kept answer whose term it holds.
  memo.renamed(1, "", "a portal", {});  // holds "a"
  CHECK(memo.find("a")->contains(1));
  memo.renamed(0, "a portal", "b gun", {});  // 0 was in "a"'s answer
  CHECK_FALSE(memo.find("a")->contains(0));
  memo.clear();
  CHECK(memo.size() == 0);
  CHECK(memo.bytes() == 0);
}

TEST_CASE("the term memo keeps small answers filed under an anchor, at most max_terms of them",
          "[term-memo]") {
  TermMemo memo(TermMemo::default_max_bytes, 100, 16);
  Roaring one_id;
  one_id.add(7);
  memo.keep("portal", one_id, 11);
  REQUIRE(memo.find("portal"));  // small, but filed under anchor 11
  // A rename is tested against the terms filed under the keys the names hold.
  memo.renamed(8, "", "a portal gun", {3, 11});
  CHECK(memo.find("portal")->contains(8));
  memo.renamed(7, "portal", "plumbus", {11, 12});
  CHECK_FALSE(memo.find("portal")->contains(7));
  // Many new terms: the least recently asked go, an eighth at a time, and never past 16.
  for (uint64_t i = 0; i < 100; ++i) {
    memo.keep("term " + std::to_string(i), one_id, i);
    REQUIRE(memo.size() <= 16);
    if (i % 4 == 0) REQUIRE(memo.find("portal"));  // asked often: it stays
  }
  CHECK(memo.find("portal"));
  CHECK(memo.find("term 99"));
  CHECK(memo.find("term 0") == nullptr);
  CHECK(memo.size() > 12);
  // The gone terms' anchors are forgotten with them: a rename under one changes nothing kept.
  memo.renamed(9, "", "term 0", {0});
  CHECK(memo.find("term 0") == nullptr);
  memo.clear();
  memo.renamed(9, "", "portal", {11});
  CHECK(memo.size() == 0);
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
