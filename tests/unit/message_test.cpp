// The Telegram text of every event type, read against a real event log on SQLite, and the
// cut that keeps a text within Telegram's 4096 UTF-16 units.
#include "notify/message.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "db/migrations.hpp"
#include "db/sqlite.hpp"
#include "events/event.hpp"
#include "events/event_store.hpp"
#include "events/hash_chain.hpp"

using namespace catalog;
using namespace catalog::events;
using notify::cut_to_limit;
using notify::max_message_units;
using notify::message_for;

namespace {

// A migrated database whose event log is written through the real EventStore, with
// positions, stream versions and the hash chain as the catalog actor would write them.
class Log {
 public:
  Log()
      : path_(std::filesystem::temp_directory_path() /
              ("catalog-message-" + std::to_string(::getpid()) + "-" + std::to_string(++count_) +
               ".db")),
        db_(path_.string(), db::OpenMode::read_write_create),
        store_(db_) {
    db::configure(db_, false);
    db::migrate_to_head(db_);
  }
  ~Log() {
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path_.string() + suffix);
  }
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  RecordedEvent append(const Event& e) {
    RecordedEvent r;
    r.position = ++position_;
    r.stream = stream_name(e);
    r.version = ++versions_[r.stream];
    r.type = type_name(e);
    r.data = to_json(e).dump();
    r.recorded_at = 1764000000000 + r.position;
    r.hash = chain_hash(previous_hash_, r);
    store_.append(r);
    previous_hash_ = r.hash;
    return r;
  }

  // The message of an event already in the log, as the notifier reads it later.
  std::string text(const RecordedEvent& r) { return message_for(r, store_); }
  // Appends the event and answers its message, as the notifier would right after it.
  std::string say(const Event& e) { return text(append(e)); }

 private:
  static inline int count_ = 0;
  std::filesystem::path path_;
  db::Connection db_;
  EventStore store_;
  int64_t position_ = 0;
  std::map<std::string, int64_t> versions_;
  std::string previous_hash_{genesis_hash};
};

ProductFields product(std::string name, double shmeckles, double flurbos,
                      std::optional<Id> category = {}, std::vector<Id> tags = {}) {
  ProductFields f;
  f.name = std::move(name);
  f.price_shmeckles = shmeckles;
  f.price_flurbos = flurbos;
  f.category_id = category;
  f.tag_ids = std::move(tags);
  return f;
}

// The Rick and Morty shop of the examples: category 1 «Гаджеты», tags 1 «Новинка», 2 «Хит».
void open_shop(Log& log) {
  log.append(NamedCreated{Resource::category, 1, "Гаджеты"});
  log.append(NamedCreated{Resource::tag, 1, "Новинка"});
  log.append(NamedCreated{Resource::tag, 2, "Хит"});
}

// UTF-16 code units of well-formed UTF-8; nullopt when a sequence is broken or cut.
std::optional<size_t> utf16_units(std::string_view s) {
  size_t units = 0;
  for (size_t i = 0; i < s.size();) {
    auto lead = static_cast<unsigned char>(s[i]);
    size_t len = lead < 0x80           ? 1
                 : (lead >> 5) == 0x6  ? 2
                 : (lead >> 4) == 0xE  ? 3
                 : (lead >> 3) == 0x1E ? 4
                                       : 0;
    if (len == 0 || i + len > s.size()) return std::nullopt;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return std::nullopt;
    }
    units += len == 4 ? 2 : 1;
    i += len;
  }
  return units;
}

std::string repeat(std::string_view piece, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i)
    out += piece;
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

const std::string kGunUpdated = "✏️ Product #1 «Портальная пушка» updated: ";
const std::string kEllipsis = "…";
const std::string kEmoji = "😀";  // outside the BMP: two UTF-16 units, four UTF-8 bytes

}  // namespace

TEST_CASE("a created product is announced with its prices, category and tags", "[message]") {
  Log log;
  open_shop(log);
  CHECK(log.say(ProductCreated{1, product("Портальная пушка", 250.5, 180, 1, {2})}) ==
        "🆕 Product #1 «Портальная пушка» created: 250.5 shmeckles / 180 flurbos; "
        "category «Гаджеты»; tags «Хит»");
  CHECK(log.say(ProductCreated{2, product("Плюмбус", 10, 7.25, 1, {1, 2})}) ==
        "🆕 Product #2 «Плюмбус» created: 10 shmeckles / 7.25 flurbos; category «Гаджеты»; "
        "tags «Новинка», «Хит»");
}

TEST_CASE("a created product without category or tags says none for both", "[message]") {
  Log log;
  CHECK(log.say(ProductCreated{1, product("Meeseeks Box", 0, 0)}) ==
        "🆕 Product #1 «Meeseeks Box» created: 0 shmeckles / 0 flurbos; category none; tags none");
}

TEST_CASE("an updated product names each changed field before and after", "[message]") {
  Log log;
  open_shop(log);
  log.append(ProductCreated{1, product("Портальная пушка", 250.5, 180, 1, {2})});

  ProductPatch price_and_tags;
  price_and_tags.price_shmeckles = 300;
  price_and_tags.tag_ids = std::vector<Id>{};
  CHECK(log.say(ProductUpdated{1, price_and_tags}) ==
        kGunUpdated + "price 250.5 → 300 shmeckles; tags «Хит» → none");

  ProductPatch flurbos_and_category;
  flurbos_and_category.price_flurbos = 199.99;
  flurbos_and_category.category_id = std::optional<Id>{};
  CHECK(log.say(ProductUpdated{1, flurbos_and_category}) ==
        kGunUpdated + "price 180 → 199.99 flurbos; category «Гаджеты» → none");

  ProductPatch tags_back;
  tags_back.tag_ids = std::vector<Id>{1, 2};
  CHECK(log.say(ProductUpdated{1, tags_back}) == kGunUpdated + "tags none → «Новинка», «Хит»");
}

TEST_CASE("a renamed product is named by its new name and shows the old one", "[message]") {
  Log log;
  log.append(ProductCreated{1, product("Портальная пушка", 1, 1)});
  ProductPatch rename;
  rename.name = "Портальная пушка 2.0";
  CHECK(log.say(ProductUpdated{1, rename}) ==
        "✏️ Product #1 «Портальная пушка 2.0» updated: " +
            std::string("name «Портальная пушка» → «Портальная пушка 2.0»"));
}

TEST_CASE("a deleted product is named by its last name", "[message]") {
  Log log;
  log.append(ProductCreated{1, product("Портальная пушка", 1, 1)});
  ProductPatch rename;
  rename.name = "Старая пушка";
  log.append(ProductUpdated{1, rename});
  CHECK(log.say(ProductDeleted{1}) == "🗑 Product #1 «Старая пушка» deleted");
}

TEST_CASE("categories and tags are announced when created, renamed and deleted", "[message]") {
  Log log;
  CHECK(log.say(NamedCreated{Resource::category, 1, "Гаджеты"}) ==
        "🆕 Category #1 «Гаджеты» created");
  CHECK(log.say(NamedCreated{Resource::tag, 1, "Новинка"}) == "🆕 Tag #1 «Новинка» created");
  CHECK(log.say(NamedCreated{Resource::tag, 2, "Хит"}) == "🆕 Tag #2 «Хит» created");
  CHECK(log.say(NamedRenamed{Resource::category, 1, "Девайсы"}) ==
        "✏️ Category #1 renamed: «Гаджеты» → «Девайсы»");
  CHECK(log.say(NamedRenamed{Resource::category, 1, "Штуки"}) ==
        "✏️ Category #1 renamed: «Девайсы» → «Штуки»");
  CHECK(log.say(NamedRenamed{Resource::tag, 1, "Свежак"}) ==
        "✏️ Tag #1 renamed: «Новинка» → «Свежак»");
  CHECK(log.say(NamedDeleted{Resource::tag, 2}) == "🗑 Tag #2 «Хит» deleted");
  CHECK(log.say(NamedDeleted{Resource::category, 1}) == "🗑 Category #1 «Штуки» deleted");
}

TEST_CASE("a message read late describes the catalog as it stood at its event", "[message]") {
  Log log;
  open_shop(log);
  auto created = log.append(ProductCreated{1, product("Портальная пушка", 250.5, 180, 1, {2})});
  ProductPatch price;
  price.price_shmeckles = 300;
  auto updated = log.append(ProductUpdated{1, price});
  auto renamed = log.append(NamedRenamed{Resource::category, 1, "Девайсы"});
  log.append(NamedRenamed{Resource::category, 1, "Штуки"});
  log.append(NamedDeleted{Resource::tag, 2});
  auto deleted = log.append(ProductDeleted{1});

  // A notifier with a backlog reads these after everything above was committed.
  CHECK(log.text(created) ==
        "🆕 Product #1 «Портальная пушка» created: 250.5 shmeckles / 180 flurbos; "
        "category «Гаджеты»; tags «Хит»");
  CHECK(log.text(updated) == kGunUpdated + "price 250.5 → 300 shmeckles");
  CHECK(log.text(renamed) ==
        "✏️ Category #1 renamed: «Гаджеты» → «Девайсы»");
  CHECK(log.text(deleted) == "🗑 Product #1 «Портальная пушка» deleted");
}

TEST_CASE("prices are plain decimals without a trailing .0", "[message]") {
  Log log;
  CHECK(log.say(ProductCreated{1, product("a", 180.0, 0.5)}) ==
        "🆕 Product #1 «a» created: 180 shmeckles / 0.5 flurbos; category none; tags none");
  CHECK(log.say(ProductCreated{2, product("b", 0.01, 1234.56)}) ==
        "🆕 Product #2 «b» created: 0.01 shmeckles / 1234.56 flurbos; category none; tags none");
  // Round prices up to the API's limit of 1e12 are read by people: no exponent notation.
  CHECK(log.say(ProductCreated{3, product("c", 100000, 1e12)}) ==
        "🆕 Product #3 «c» created: 100000 shmeckles / 1000000000000 flurbos; category none; "
        "tags none");
}

TEST_CASE("a message over Telegram's limit is cut with an ellipsis", "[message]") {
  Log log;
  auto text = log.say(ProductCreated{1, product(repeat("я", 5000), 1, 1)});
  auto units = utf16_units(text);
  REQUIRE(units);
  CHECK(*units <= max_message_units);
  CHECK(*units >= max_message_units - 1);
  CHECK(text.rfind("🆕 Product #1 «яяя", 0) == 0);
  CHECK(ends_with(text, "я" + kEllipsis));
}

TEST_CASE("cut_to_limit cuts a long text to at most 4096 units ending in an ellipsis",
          "[message]") {
  SECTION("ASCII") {
    auto cut = cut_to_limit(repeat("a", 5000));
    CHECK(cut == repeat("a", 4095) + kEllipsis);
  }
  SECTION("Cyrillic, two bytes but one unit a letter") {
    auto cut = cut_to_limit(repeat("я", 5000));
    CHECK(cut == repeat("я", 4095) + kEllipsis);
  }
  SECTION("one unit over the limit") {
    CHECK(cut_to_limit(repeat("a", 4097)) == repeat("a", 4095) + kEllipsis);
  }
}

TEST_CASE("cut_to_limit counts characters outside the BMP as two units", "[message]") {
  SECTION("emoji only: 2047 emoji and the ellipsis make 4095 units") {
    auto cut = cut_to_limit(repeat(kEmoji, 3000));
    CHECK(cut == repeat(kEmoji, 2047) + kEllipsis);
    CHECK(utf16_units(cut) == 4095u);
  }
  SECTION("an emoji that would straddle the limit is left out whole") {
    auto cut = cut_to_limit("aa" + repeat(kEmoji, 3000));
    CHECK(cut == "aa" + repeat(kEmoji, 2046) + kEllipsis);
    CHECK(utf16_units(cut) == 4095u);
  }
  SECTION("an emoji that ends exactly at the room left is kept") {
    auto cut = cut_to_limit("a" + repeat(kEmoji, 3000));
    CHECK(cut == "a" + repeat(kEmoji, 2047) + kEllipsis);
    CHECK(utf16_units(cut) == 4096u);
  }
  SECTION("4095 letters and an emoji are 4097 units") {
    CHECK(cut_to_limit(repeat("a", 4095) + kEmoji) == repeat("a", 4095) + kEllipsis);
  }
}

TEST_CASE("cut_to_limit leaves a text at exactly the limit unchanged", "[message]") {
  for (const auto& text : {repeat("a", 4096), repeat("я", 4096), repeat(kEmoji, 2048),
                           repeat("a", 4094) + kEmoji, repeat("ж", 4095) + kEllipsis}) {
    REQUIRE(utf16_units(text) == 4096u);
    CHECK(cut_to_limit(text) == text);
  }
  CHECK(cut_to_limit("🗑 Tag #2 «Хит» deleted") == "🗑 Tag #2 «Хит» deleted");
  CHECK(cut_to_limit("") == "");
}

TEST_CASE("cut_to_limit never cuts inside a UTF-8 sequence", "[message]") {
  // One, two, three and four bytes a character, in every phase against the limit.
  const std::string mixed = repeat("aя€" + kEmoji, 20);
  const auto whole = *utf16_units(mixed);
  for (size_t limit = 3; limit <= whole + 1; ++limit) {
    auto cut = cut_to_limit(mixed, limit);
    INFO("limit " << limit);
    auto units = utf16_units(cut);
    REQUIRE(units);
    CHECK(*units <= limit);
    if (whole <= limit) {
      CHECK(cut == mixed);
    } else {
      CHECK(*units >= limit - 1);  // at most the unit an emoji would straddle goes unused
      REQUIRE(ends_with(cut, kEllipsis));
      CHECK(mixed.rfind(cut.substr(0, cut.size() - kEllipsis.size()), 0) == 0);
    }
  }
}

TEST_CASE("cut_to_limit keeps to tiny limits, even when the text starts with an emoji",
          "[message]") {
  for (size_t limit = 1; limit <= 4; ++limit) {
    for (const std::string& text : {repeat(kEmoji, 3), repeat("я", 6), "a" + repeat(kEmoji, 3)}) {
      auto cut = cut_to_limit(text, limit);
      INFO("limit " << limit << ", text " << text << ", cut " << cut);
      auto units = utf16_units(cut);
      REQUIRE(units);
      CHECK(*units <= limit);
      CHECK(ends_with(cut, kEllipsis));
    }
  }
}
