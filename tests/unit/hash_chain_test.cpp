// The hash chain detects any change to an event and to its place in the log.
#include "events/hash_chain.hpp"

#include <catch2/catch.hpp>

using namespace catalog::events;

namespace {

RecordedEvent sample() {
  RecordedEvent e;
  e.position = 1;
  e.stream = "product-1";
  e.version = 1;
  e.type = "ProductCreated";
  e.data = R"({"id":1,"name":"Плюмбус"})";
  e.recorded_at = 1764000000123;
  return e;
}

}  // namespace

TEST_CASE("the hash is 64 hex digits and the same for the same input") {
  auto h = chain_hash(genesis_hash, sample());
  CHECK(h.size() == 64);
  CHECK(h.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(chain_hash(genesis_hash, sample()) == h);
}

TEST_CASE("changing any field or the previous hash changes the hash") {
  auto base = chain_hash(genesis_hash, sample());
  auto changed = [&](auto mutate) {
    auto e = sample();
    mutate(e);
    return chain_hash(genesis_hash, e);
  };
  CHECK(changed([](RecordedEvent& e) { e.position = 2; }) != base);
  CHECK(changed([](RecordedEvent& e) { e.stream = "product-2"; }) != base);
  CHECK(changed([](RecordedEvent& e) { e.version = 2; }) != base);
  CHECK(changed([](RecordedEvent& e) { e.type = "ProductUpdated"; }) != base);
  CHECK(changed([](RecordedEvent& e) { e.data = R"({"id":1,"name":"плюмбус"})"; }) != base);
  CHECK(changed([](RecordedEvent& e) { e.recorded_at += 1; }) != base);
  CHECK(chain_hash(base, sample()) != base);
}

TEST_CASE("the stored hash is not part of its own input") {
  auto e = sample();
  auto h = chain_hash(genesis_hash, e);
  e.hash = "whatever";
  CHECK(chain_hash(genesis_hash, e) == h);
}

TEST_CASE("the hash of a known event is the documented SHA-256 of its fields") {
  // Pinned, and computed independently (Python's hashlib over the documented input):
  // auditors keep head hashes, so the hash input must never change silently.
  CHECK(chain_hash(genesis_hash, sample()) ==
        "13ef4961357e8fad81255400e67e020d64ac5f92a09ac1a9ca8e2d56a6a49384");
}
