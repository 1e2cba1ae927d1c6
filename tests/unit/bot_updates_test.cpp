// Reading Telegram's updates: the text messages the bot answers, everything else passed
// over by its update_id, and answers that are not Telegram's refused with what is wrong.
#include "notify/bot_updates.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace catalog::notify;

TEST_CASE("getUpdates: text messages are read, other updates only move the offset") {
  auto updates = read_updates(R"({"ok":true,"result":[
    {"update_id":815,"message":{"message_id":1,"chat":{"id":42,"type":"private"},
                                "from":{"id":42,"is_bot":false},"text":"/follow tag Хит"}},
    {"update_id":816,"edited_message":{"message_id":1,"chat":{"id":42,"type":"private"},
                                       "text":"/stop"}},
    {"update_id":817,"message":{"message_id":2,"chat":{"id":42,"type":"private"},
                                "sticker":{"file_id":"x"}}},
    {"update_id":818,"callback_query":{"id":"1"}},
    {"update_id":819,"message":{"chat":{"id":-1001234567890,"type":"supergroup"},
                                "text":"/start@CatalogBot"}}]})");
  REQUIRE(updates.size() == 5);
  CHECK(updates[0].update_id == 815);
  REQUIRE(updates[0].message);
  CHECK(updates[0].message->chat_id == 42);
  CHECK(updates[0].message->chat_type == "private");
  CHECK(updates[0].message->text == "/follow tag Хит");
  for (int i : {1, 2, 3}) {
    INFO(i);
    CHECK(updates[i].update_id == 815 + i);
    CHECK_FALSE(updates[i].message);
  }
  REQUIRE(updates[4].message);
  CHECK(updates[4].message->chat_id == -1001234567890);
  CHECK(updates[4].message->chat_type == "supergroup");
  CHECK(read_updates(R"({"ok":true,"result":[]})").empty());
}

TEST_CASE("answers that are not Telegram's getUpdates are refused, saying why") {
  auto why = [](std::string_view body) {
    try {
      read_updates(body);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  CHECK(why("<html>bad gateway</html>") == "the answer to getUpdates is not JSON");
  CHECK(why(R"({"ok":false,"description":"Conflict"})") ==
        "the answer to getUpdates has no \"result\" list");
  CHECK(why(R"({"ok":true,"result":{}})") == "the answer to getUpdates has no \"result\" list");
  CHECK(why("[]") == "the answer to getUpdates has no \"result\" list");
  CHECK(why(R"({"ok":true,"result":[{"message":{}}]})") == "an update has no integer update_id");
  CHECK(why(R"({"ok":true,"result":[{"update_id":"7"}]})") == "an update has no integer update_id");
  CHECK(why(R"({"ok":true,"result":[3]})") == "an update is not a JSON object");
}

TEST_CASE("a webhook update with a message whose fields are of the wrong type has no message") {
  auto u = read_update(
      nlohmann::json::parse(R"({"update_id":9,"message":{"chat":{"id":"42"},"text":"/start"}})"));
  CHECK(u.update_id == 9);
  CHECK_FALSE(u.message);
  u = read_update(
      nlohmann::json::parse(R"({"update_id":9,"message":{"chat":{"id":42},"text":7}})"));
  CHECK_FALSE(u.message);
}

TEST_CASE("getUpdates asks for messages after the offset, waiting up to the time given") {
  CHECK(nlohmann::json::parse(get_updates_body(816, 25)) ==
        nlohmann::json{{"offset", 816}, {"timeout", 25}, {"allowed_updates", {"message"}}});
  CHECK(nlohmann::json::parse(get_updates_body(816, 25))["allowed_updates"].is_array());
}
