// The answers kept for Idempotency-Keys in a single node's SQLite log (API.md, "Safe
// retries"): written in the same transaction as the batch's events, found again for 24
// hours, forgotten after that, and never written when the batch is refused.
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "db/migrations.hpp"
#include "db/sqlite.hpp"
#include "events/clock.hpp"
#include "events/hash_chain.hpp"
#include "events/kept_answer.hpp"
#include "events/store/sqlite_log.hpp"
#include "support/temp_dir.hpp"

namespace {

using catalog::db::Connection;
using catalog::db::OpenMode;
using catalog::events::Head;
using catalog::events::KeptAnswer;
using catalog::events::RecordedEvent;
using catalog::events::store::Fenced;
using catalog::events::store::SqliteLog;
using catalog::testing::TempDir;

constexpr int64_t kHour = 60LL * 60 * 1000;

// A database file at head, as `catalog serve` leaves it before it opens the log.
std::string migrated_database(const TempDir& dir) {
  std::string path = dir.file("catalog.db");
  Connection db(path, OpenMode::read_write_create);
  catalog::db::migrate_to_head(db);
  return path;
}

// The event that creates category `id`, continuing `head`.
RecordedEvent category_created(const Head& head, int id) {
  RecordedEvent e;
  e.position = head.position + 1;
  e.stream = "category-" + std::to_string(id);
  e.version = 1;
  e.type = "CategoryCreated";
  e.data = R"({"id":)" + std::to_string(id) + R"(,"name":"Категория )" + std::to_string(id) + "\"}";
  e.recorded_at = catalog::events::now_millis();
  e.hash = catalog::events::chain_hash(head.hash, e);
  return e;
}

Head after(const RecordedEvent& e) {
  return Head{e.position, e.hash};
}

Head empty_log() {
  return Head{0, std::string(catalog::events::genesis_hash)};
}

KeptAnswer created_answer(const std::string& key, int64_t position) {
  return KeptAnswer{key,
                    "fingerprint of " + key,
                    201,
                    R"({"id":1,"name":"Категория 1"})",
                    "/categories/1",
                    std::nullopt,
                    position};
}

int64_t count(Connection& db, const std::string& sql) {
  catalog::db::Reset s(db.cached(sql));
  REQUIRE(s->step());
  return s->int64(0);
}

// Keeps an answer the way the log would have `age_millis` ago, straight into the table.
void keep_answer_aged(Connection& db, const KeptAnswer& a, int64_t age_millis) {
  db.cached(
        "INSERT INTO idempotency_keys "
        "(key, fingerprint, status, body, location, etag, position, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(1, a.key)
      .bind(2, a.fingerprint)
      .bind(3, a.status)
      .bind(4, a.body)
      .bind(5, a.location)
      .bind(6, a.etag)
      .bind(7, a.position)
      .bind(8, catalog::events::now_millis() - age_millis)
      .run();
}

}  // namespace

TEST_CASE("answers kept with a batch are found again field for field", "[kept_answers]") {
  TempDir dir;
  SqliteLog log(migrated_database(dir), false);
  auto event = category_created(empty_log(), 1);
  KeptAnswer created = created_answer("create-1", 1);
  KeptAnswer conflict{"create-again",
                      "another fingerprint",
                      409,
                      R"({"detail":"Category «Категория 1» already exists"})",
                      std::nullopt,
                      std::nullopt,
                      1};
  KeptAnswer updated{"put-1", "fp", 200, R"({"id":1})", std::nullopt, "\"3\"", 1};
  log.append(empty_log(), {event}, {created, conflict, updated});

  CHECK(log.head().position == 1);
  CHECK(log.head().hash == event.hash);
  auto found = log.find_answers({"put-1", "never-sent", "create-1", "create-again"});
  REQUIRE(found.size() == 3);
  // In the order asked, the unknown key left out.
  CHECK(found[0] == updated);
  CHECK(found[1] == created);
  CHECK(found[2] == conflict);
  CHECK(log.find_answers({"never-sent"}).empty());
  CHECK(log.find_answers({}).empty());
}

TEST_CASE("a batch that decided only refusals keeps their answers without appending an event",
          "[kept_answers]") {
  TempDir dir;
  SqliteLog log(migrated_database(dir), false);
  KeptAnswer not_found{"delete-7",   "fp",         404, R"({"detail":"Product 7 not found"})",
                       std::nullopt, std::nullopt, 0};
  log.append(empty_log(), {}, {not_found});
  CHECK(log.head().position == 0);
  auto found = log.find_answers({"delete-7"});
  REQUIRE(found.size() == 1);
  CHECK(found[0] == not_found);
}

TEST_CASE("an answer kept more than 24 hours ago is not found and is forgotten; a fresh one stays",
          "[kept_answers]") {
  TempDir dir;
  std::string path = migrated_database(dir);
  SqliteLog log(path, false);
  auto event = category_created(empty_log(), 1);
  KeptAnswer fresh = created_answer("fresh", 1);
  log.append(empty_log(), {event}, {fresh});

  Connection db(path, OpenMode::read_write);
  KeptAnswer stale = created_answer("stale", 1);
  KeptAnswer day_old = created_answer("a-day-ago", 1);
  KeptAnswer recent = created_answer("23-hours-ago", 1);
  keep_answer_aged(db, stale, 25 * kHour);
  keep_answer_aged(db, day_old, 24 * kHour + 1000);
  keep_answer_aged(db, recent, 23 * kHour);

  auto found = log.find_answers({"stale", "fresh", "a-day-ago", "23-hours-ago"});
  REQUIRE(found.size() == 2);
  CHECK(found[0] == fresh);
  CHECK(found[1] == recent);

  REQUIRE(count(db, "SELECT count(*) FROM idempotency_keys") == 4);
  log.forget_old_answers();
  CHECK(count(db, "SELECT count(*) FROM idempotency_keys WHERE key IN ('stale', 'a-day-ago')") ==
        0);
  CHECK(count(db, "SELECT count(*) FROM idempotency_keys WHERE key IN ('fresh', '23-hours-ago')") ==
        2);
  found = log.find_answers({"fresh", "23-hours-ago"});
  REQUIRE(found.size() == 2);
  CHECK(found[0] == fresh);
  CHECK(found[1] == recent);
  // The events are not touched by forgetting answers.
  CHECK(log.head().position == 1);
}

TEST_CASE("a key whose answer expired can be kept again with a new answer", "[kept_answers]") {
  TempDir dir;
  std::string path = migrated_database(dir);
  SqliteLog log(path, false);
  {
    Connection db(path, OpenMode::read_write);
    keep_answer_aged(db, created_answer("reused-after-a-day", 1), 25 * kHour);
  }
  auto event = category_created(empty_log(), 1);
  KeptAnswer again{"reused-after-a-day", "new fingerprint", 201, R"({"id":1})",
                   "/categories/1",      std::nullopt,      1};
  log.append(empty_log(), {event}, {again});
  auto found = log.find_answers({"reused-after-a-day"});
  REQUIRE(found.size() == 1);
  CHECK(found[0] == again);
}

TEST_CASE("appending on a stale head throws Fenced and writes neither events nor answers",
          "[kept_answers]") {
  TempDir dir;
  std::string path = migrated_database(dir);
  SqliteLog log(path, false);
  auto first = category_created(empty_log(), 1);
  log.append(empty_log(), {first}, {created_answer("first", 1)});

  SECTION("a head that is behind the log") {
    // Decided as if the log were still empty: it would be position 1 again.
    auto forked = category_created(empty_log(), 2);
    CHECK_THROWS_AS(log.append(empty_log(), {forked}, {created_answer("forked", 1)}), Fenced);
  }
  SECTION("the right position with another hash") {
    Head wrong{1, std::string(64, 'a')};
    auto forked = category_created(wrong, 2);
    CHECK_THROWS_AS(log.append(wrong, {forked}, {created_answer("forked", 2)}), Fenced);
  }
  SECTION("a head past the log") {
    auto second = category_created(after(first), 2);
    auto third = category_created(after(second), 3);
    CHECK_THROWS_AS(log.append(after(second), {third}, {created_answer("forked", 3)}), Fenced);
  }
  SECTION("answers alone on a stale head") {
    CHECK_THROWS_AS(log.append(empty_log(), {}, {created_answer("forked", 0)}), Fenced);
  }

  CHECK(log.head().position == 1);
  CHECK(log.head().hash == first.hash);
  CHECK(log.find_answers({"forked"}).empty());
  Connection db(path, OpenMode::read_only);
  CHECK(count(db, "SELECT count(*) FROM events") == 1);
  CHECK(count(db, "SELECT count(*) FROM idempotency_keys") == 1);

  // The log still takes the batch that continues its real head.
  auto second = category_created(after(first), 2);
  log.append(after(first), {second}, {created_answer("second", 2)});
  CHECK(log.head().position == 2);
  CHECK(log.find_answers({"second"}).size() == 1);
}
