// `catalog audit check` against a service played in memory: a log chained as the service
// chains it, served by the service's own renderer, with signed heads and RFC 9162 proofs,
// and each of the ways a service can lie to an auditor.
#include "app/audit_check.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "app/audit_state.hpp"
#include "app/log_audit.hpp"
#include "app/tree_head_signature.hpp"
#include "events/hash_chain.hpp"
#include "http/json_render.hpp"
#include "http/query_string.hpp"
#include "support/temp_dir.hpp"
#include "unit/ed25519_test_key.hpp"

using namespace catalog;
using namespace catalog::app;
using catalog::testing::TempDir;
using catalog::testing::TestSigningKey;
using nlohmann::json;

namespace {

const events::Millis t0 = 1795010400123;

class FakeService {
 public:
  TestSigningKey key;
  std::vector<events::RecordedEvent> log;
  int64_t head_size = -1;  // the size the head signs; -1: the whole log
  std::vector<std::string> asked;
  // Each answer can be altered before it is sent: (target, body).
  std::function<void(const std::string&, json&)> tamper;

  void append(int n) {
    for (int i = 0; i < n; ++i) {
      events::RecordedEvent e;
      e.position = static_cast<int64_t>(log.size()) + 1;
      e.stream = "product-" + std::to_string(e.position % 5 + 1);
      e.version = e.position;
      e.type = "ProductUpdated";
      e.data = json{{"id", e.position % 5 + 1},
                    {"price_shmeckles", 300.0 + static_cast<double>(e.position)},
                    {"name", "Плюмбус №" + std::to_string(e.position)}}
                   .dump();
      e.recorded_at = t0 + e.position;
      rechain_from(static_cast<size_t>(log.size()), &e);
    }
  }

  // A history rewritten from `position` on, every hash after it recomputed: a log that is
  // consistent with itself, but not with what was signed before.
  void rewrite(int64_t position) {
    log[position - 1].data = json{{"id", 1}, {"name", "changed"}}.dump();
    for (size_t i = position - 1; i < log.size(); ++i)
      rechain_from(i, nullptr);
  }

  HttpReply get(const std::string& target) {
    asked.push_back(target);
    auto question = target.find('?');
    std::string path = target.substr(0, question);
    auto params = http::parse_query_string(
        question == std::string::npos ? "" : std::string_view(target).substr(question + 1));
    auto number = [&](const char* name) { return std::stoll(*http::last(params, name)); };
    json body;
    if (path == "/audit/key") {
      body = {{"algorithm", "Ed25519"}, {"public_key", key.public_pem()}, {"key_id", key.key_id()}};
    } else if (path == "/audit/tree-head") {
      body = head(head_size < 0 ? static_cast<int64_t>(log.size()) : head_size);
    } else if (path == "/audit/proof/consistency") {
      int64_t m = number("first"), n = number("second");
      body = {{"first", m},
              {"second", n},
              {"consistency_path", hex(merkle::consistency_path(fetch(), m, n))}};
    } else if (path == "/audit/proof/inclusion") {
      int64_t p = number("position"), n = number("tree_size");
      body = {{"position", p},
              {"tree_size", n},
              {"leaf_hash", merkle::to_hex(leaf(p - 1))},
              {"audit_path", hex(merkle::inclusion_path(fetch(), p - 1, n))}};
    } else if (path == "/events") {
      int64_t after = number("after"), limit = number("limit");
      std::vector<events::RecordedEvent> page;
      for (int64_t i = after; i < static_cast<int64_t>(log.size()) && i < after + limit; ++i)
        page.push_back(log[i]);
      body = json::parse(http::render(page));
    } else {
      return {404, R"({"detail":"Not Found"})"};
    }
    if (tamper) tamper(target, body);
    return {200, body.dump()};
  }

  HttpGet client() {
    return [this](const std::string& target) { return get(target); };
  }

  json head(int64_t size) const {
    SignedTreeHead h;
    h.tree_size = size;
    h.root_hash = merkle::to_hex(size > 0 ? merkle::root(fetch(), size) : merkle::sha256(""));
    h.timestamp = events::format_iso(t0 + 1000 * size);
    h.key_id = key.key_id();
    h.signature = key.sign_base64(tree_head_message(h));
    return {{"tree_size", h.tree_size},
            {"root_hash", h.root_hash},
            {"timestamp", h.timestamp},
            {"key_id", h.key_id},
            {"signature", h.signature}};
  }

 private:
  void rechain_from(size_t i, events::RecordedEvent* fresh) {
    if (fresh) log.push_back(*fresh);
    std::string previous = i == 0 ? std::string(events::genesis_hash) : log[i - 1].hash;
    log[i].hash = events::chain_hash(previous, log[i]);
  }

  merkle::Hash leaf(int64_t i) const { return merkle::leaf_hash(merkle::from_hex(log[i].hash)); }

  // Every node computed from the leaves: the store the real service keeps, without a store.
  merkle::NodeFetch fetch() const {
    return [this](const std::vector<merkle::NodeId>& ids) {
      std::vector<merkle::Hash> out;
      for (const auto& id : ids) {
        merkle::Frontier f;
        for (int64_t i = id.index << id.level; i < (id.index + 1) << id.level; ++i)
          f.push(leaf(i), nullptr);
        out.push_back(f.root());
      }
      return out;
    };
  }

  static json hex(const std::vector<merkle::Hash>& hashes) {
    json out = json::array();
    for (const auto& h : hashes)
      out.push_back(merkle::to_hex(h));
    return out;
  }
};

struct Audit {
  TempDir dir;
  std::string state = dir.file("catalog-audit.json");
  FakeService service;

  AuditReport run() { return audit_check(service.client(), state); }
  std::string state_text() const {
    std::ifstream in(state);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

}  // namespace

TEST_CASE("a first audit pins the key, reads every event and saves the signed head") {
  Audit a;
  a.service.append(2500);
  AuditReport r = a.run();
  INFO(r.failure);
  REQUIRE(r.ok);
  CHECK(r.key_pinned_now);
  CHECK(r.tree_size == 2500);
  CHECK(r.events == 2500);
  CHECK(r.root_hash == a.service.head(2500)["root_hash"].get<std::string>());
  CHECK(r.inclusion_proofs >= 8);
  CHECK(r.key_id == a.service.key.key_id());

  auto saved = load_audit_state(a.state);
  REQUIRE(saved);
  CHECK(saved->key_id == a.service.key.key_id());
  REQUIRE(saved->head);
  CHECK(saved->head->tree_size == 2500);
  CHECK(saved->head->signature == a.service.head(2500)["signature"].get<std::string>());

  // Pages of 1000 from the first event, none past the head.
  std::vector<std::string> pages;
  for (const auto& t : a.service.asked)
    if (t.rfind("/events", 0) == 0) pages.push_back(t);
  CHECK(pages == std::vector<std::string>{"/events?after=0&limit=1000",
                                          "/events?after=1000&limit=1000",
                                          "/events?after=2000&limit=500"});
  for (int64_t p : {1, 2, 833, 1250, 2048, 2049, 2499, 2500})
    CHECK(std::count(a.service.asked.begin(), a.service.asked.end(),
                     "/audit/proof/inclusion?position=" + std::to_string(p) + "&tree_size=2500"));
}

TEST_CASE("the next audit proves the new head extends the saved one") {
  Audit a;
  a.service.append(37);
  REQUIRE(a.run().ok);
  a.service.append(100);
  AuditReport r = a.run();
  INFO(r.failure);
  REQUIRE(r.ok);
  CHECK_FALSE(r.key_pinned_now);
  CHECK(r.previous_size == 37);
  CHECK(r.tree_size == 137);
  CHECK(std::count(a.service.asked.begin(), a.service.asked.end(),
                   "/audit/proof/consistency?first=37&second=137") == 1);
  CHECK(load_audit_state(a.state)->head->tree_size == 137);
  // The same head again: nothing to prove, the roots are compared.
  r = a.run();
  CHECK(r.ok);
  CHECK(r.previous_size == 137);
}

TEST_CASE("events written after the head are not part of the audit") {
  Audit a;
  a.service.append(20);
  a.service.head_size = 12;
  AuditReport r = a.run();
  INFO(r.failure);
  REQUIRE(r.ok);
  CHECK(r.tree_size == 12);
  CHECK(r.events == 12);
}

TEST_CASE("a new key is refused, and the state is left as it was") {
  Audit a;
  a.service.append(5);
  REQUIRE(a.run().ok);
  std::string before = a.state_text();
  std::string pinned = a.service.key.key_id();
  a.service.key = TestSigningKey();
  AuditReport r = a.run();
  CHECK_FALSE(r.ok);
  CHECK(r.failure ==
        "the service's signing key changed: pinned " + pinned + ", now " + a.service.key.key_id());
  CHECK(a.state_text() == before);
}

TEST_CASE("a head that does not verify fails the audit") {
  Audit a;
  a.service.append(9);
  SECTION("a signature over other bytes") {
    a.service.tamper = [](const std::string& target, json& body) {
      if (target == "/audit/tree-head") body["tree_size"] = 8;
    };
    CHECK(a.run().failure == "the signature of the tree head does not verify");
  }
  SECTION("a head signed by another key") {
    TestSigningKey other;
    a.service.tamper = [&](const std::string& target, json& body) {
      if (target != "/audit/tree-head") return;
      SignedTreeHead h{body["tree_size"].get<int64_t>(), body["root_hash"].get<std::string>(),
                       body["timestamp"].get<std::string>(), body["key_id"].get<std::string>(), ""};
      body["signature"] = other.sign_base64(tree_head_message(h));
    };
    CHECK(a.run().failure == "the signature of the tree head does not verify");
  }
  SECTION("a key_id that is not the SHA-256 of the key") {
    a.service.tamper = [](const std::string& target, json& body) {
      if (target == "/audit/key") body["key_id"] = std::string(64, '0');
    };
    CHECK_THAT(a.run().failure, Catch::StartsWith("GET /audit/key: key_id is not the SHA-256"));
  }
  SECTION("a root_hash in capitals") {
    a.service.tamper = [](const std::string& target, json& body) {
      if (target != "/audit/tree-head") return;
      std::string root = body["root_hash"];
      for (auto& c : root)
        c = static_cast<char>(std::toupper(c));
      body["root_hash"] = root;
    };
    CHECK_THAT(a.run().failure, Catch::Contains("root_hash is not 64 lowercase hex digits"));
  }
  CHECK_FALSE(std::filesystem::exists(a.state));
}

TEST_CASE("a log that shrank or was rewritten is caught against the saved head") {
  Audit a;
  a.service.append(40);
  REQUIRE(a.run().ok);
  std::string before = a.state_text();
  SECTION("an older head") {
    a.service.head_size = 39;
    CHECK_THAT(a.run().failure, Catch::StartsWith("the log shrank"));
  }
  SECTION("the same size, another root") {
    a.service.rewrite(17);
    CHECK(a.run().failure ==
          "the signed root of size 40 differs from the saved one: the log was rewritten");
  }
  SECTION("a longer log whose past was rewritten") {
    a.service.rewrite(17);
    a.service.append(10);
    CHECK(a.run().failure ==
          "the consistency proof from the saved head (size 40) to the signed one (size 50) does "
          "not verify: the log was rewritten");
  }
  CHECK(a.state_text() == before);
}

TEST_CASE("each event is recomputed: the first one that does not hold is named") {
  Audit a;
  a.service.append(30);
  SECTION("changed data") {
    a.service.log[16].data = json{{"id", 2}, {"price_shmeckles", 1.0}}.dump();
    CHECK(a.run().failure == "position 17: the hash does not recompute");
  }
  SECTION("a changed time") {
    a.service.log[4].recorded_at += 1;
    CHECK(a.run().failure == "position 5: the hash does not recompute");
  }
  SECTION("a missing event") {
    a.service.tamper = [](const std::string& target, json& body) {
      if (target.rfind("/events", 0) == 0) body.erase(body.begin() + 9);
    };
    CHECK(a.run().failure == "position 10: the log gives position 11 there (a gap or a repeat)");
  }
  SECTION("a log shorter than its head") {
    json signed_before = a.service.head(30);
    a.service.log.resize(25);
    a.service.tamper = [&](const std::string& target, json& body) {
      if (target == "/audit/tree-head") body = signed_before;
    };
    CHECK(a.run().failure == "the log ends at position 25, short of the signed tree_size 30");
  }
  CHECK_FALSE(std::filesystem::exists(a.state));
}

TEST_CASE("a signed root that is not the Merkle root of the events fails the audit") {
  Audit a;
  a.service.append(30);
  // Chained correctly and signed, but the tree was not the one of these events.
  a.service.tamper = [&](const std::string& target, json& body) {
    if (target != "/audit/tree-head") return;
    SignedTreeHead h{30, merkle::to_hex(merkle::sha256("another tree")),
                     body["timestamp"].get<std::string>(), body["key_id"].get<std::string>(), ""};
    h.signature = a.service.key.sign_base64(tree_head_message(h));
    body = {{"tree_size", h.tree_size},
            {"root_hash", h.root_hash},
            {"timestamp", h.timestamp},
            {"key_id", h.key_id},
            {"signature", h.signature}};
  };
  CHECK_THAT(a.run().failure, Catch::StartsWith("the Merkle root of the 30 events is "));
}

TEST_CASE("a bad inclusion proof fails the audit") {
  Audit a;
  a.service.append(30);
  SECTION("a changed path") {
    a.service.tamper = [](const std::string& target, json& body) {
      if (target.rfind("/audit/proof/inclusion?position=1&", 0) == 0)
        body["audit_path"][0] = merkle::to_hex(merkle::sha256("x"));
    };
    CHECK(a.run().failure ==
          "position 1: the inclusion proof does not verify against the signed root");
  }
  SECTION("another leaf") {
    a.service.tamper = [](const std::string& target, json& body) {
      if (target.rfind("/audit/proof/inclusion?position=30&", 0) == 0)
        body["leaf_hash"] = merkle::to_hex(merkle::sha256("x"));
    };
    CHECK(a.run().failure ==
          "position 30: the proof's leaf_hash is not SHA-256(0x00 || the event's hash)");
  }
  SECTION("a proof for another position") {
    a.service.tamper = [](const std::string& target, json& body) {
      if (target.rfind("/audit/proof/inclusion?position=2&", 0) == 0) body["position"] = 3;
    };
    CHECK_THAT(a.run().failure, Catch::EndsWith("the proof is for another position or size"));
  }
}

TEST_CASE("no answer, an error status or a damaged state file is a failure, not a crash") {
  Audit a;
  a.service.append(3);
  HttpGet down = [](const std::string&) -> HttpReply {
    throw std::runtime_error("cannot reach http://127.0.0.1:1: Connection refused");
  };
  CHECK(audit_check(down, a.state).failure ==
        "cannot reach http://127.0.0.1:1: Connection refused");
  HttpGet unavailable = [](const std::string&) {
    return HttpReply{503, R"({"detail":"set CATALOG_SIGNING_KEY_FILE"})"};
  };
  CHECK(audit_check(unavailable, a.state).failure ==
        "GET /audit/key answered 503: set CATALOG_SIGNING_KEY_FILE");
  std::ofstream(a.state) << "not json";
  CHECK_THAT(a.run().failure, Catch::Contains("is damaged"));
}

TEST_CASE("an empty log has the empty tree's head") {
  Audit a;
  AuditReport r = a.run();
  INFO(r.failure);
  CHECK(r.ok);
  CHECK(r.tree_size == 0);
  CHECK(r.root_hash == merkle::to_hex(merkle::sha256("")));
  a.service.append(3);
  r = a.run();
  INFO(r.failure);
  CHECK(r.ok);
  CHECK(r.previous_size == 0);
}

TEST_CASE("event data is hashed as Python's json.dumps(sort_keys, compact, ensure_ascii=False)") {
  // Served with keys out of order, escaped non-ASCII and spaces: the auditor writes the data
  // anew as API.md defines it. The hash was computed with Python's hashlib and json.dumps
  // over the documented input, independently of this program.
  std::string served = R"({"name":"\u041f\u043e\u0440\u0442\u0430\u043b\u044c\u043d\u0430\u044f )"
                       R"(\u043f\u0443\u0448\u043a\u0430 \u00ab1\u00bb", "id": 7,)"
                       R"( "price_shmeckles": 300.0, "price_flurbos": 1e16, "small": 1.5e-07,)"
                       R"( "tag_ids": [3, 1], "description": null,)"
                       R"( "quote": "a\"b\\c\n\u0001\u007f\u2028", "big": 12345678901234567890,)"
                       R"( "neg": -0.0, "x": 0.1, "huge": 1e22, "frac": 123456789.123,)"
                       R"( "nested": {"b": true, "a": false, "\u042f": 1, "z": 2}})";
  std::string canonical =
      R"({"big":12345678901234567890,"description":null,"frac":123456789.123,"huge":1e+22,)"
      R"("id":7,"name":"Портальная пушка «1»","neg":-0.0,"nested":{"a":false,"b":true,"z":2,)"
      R"("Я":1},"price_flurbos":1e+16,"price_shmeckles":300.0,"quote":"a\"b\\c\n\u0001)" +
      std::string("\x7f\u2028") + R"(","small":1.5e-07,"tag_ids":[3,1],"x":0.1})";
  CHECK(json::parse(served).dump() == canonical);

  std::string page = R"([{"position": 1, "type": "ProductCreated", "stream": "product-7",)"
                     R"( "version": 1, "data": )" +
                     served +
                     R"(, "recorded_at": "2026-11-24T14:00:00.123Z", "hash": )"
                     R"("7cfa4b96005d8dca65b11f39c02004498fedd6d1aa75dbfa6b45e721be4ddc4f"}])";
  HttpGet get = [&](const std::string&) { return HttpReply{200, page}; };
  LogAudit log = audit_log(get, 1, {1});
  CHECK(merkle::to_hex(log.leaves.at(1)) ==
        merkle::to_hex(merkle::leaf_hash(
            merkle::from_hex("7cfa4b96005d8dca65b11f39c02004498fedd6d1aa75dbfa6b45e721be4ddc4f"))));
  CHECK(log.root == log.leaves.at(1));
}
