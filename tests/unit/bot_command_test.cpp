// The bot's commands read from a subscriber's message: every form of API.md's table, the
// "@BotName" suffix, names with spaces and in any case, and each wrong line answered with
// what was wrong rather than taken for something else.
#include "subscribers/bot_command.hpp"

#include <catch2/catch.hpp>

using namespace catalog::subscribers;
using Verb = BotCommand::Verb;

namespace {

Id id_of(const BotCommand& c) {
  REQUIRE(c.target);
  REQUIRE(std::holds_alternative<Id>(c.target->ref));
  return std::get<Id>(c.target->ref);
}

std::string name_of(const BotCommand& c) {
  REQUIRE(c.target);
  REQUIRE(std::holds_alternative<std::string>(c.target->ref));
  return std::get<std::string>(c.target->ref);
}

}  // namespace

TEST_CASE("the commands without arguments") {
  CHECK(read_command("/start").verb == Verb::start);
  CHECK(read_command("/stop").verb == Verb::stop);
  CHECK(read_command("/following").verb == Verb::following);
  CHECK(read_command("/help").verb == Verb::help);
  CHECK(read_command("  /START  ").verb == Verb::start);
  CHECK(read_command("/start payload-from-a-deep-link").verb == Verb::start);
}

TEST_CASE("follow and unfollow by id and by name") {
  auto c = read_command("/follow category 12");
  CHECK(c.verb == Verb::follow);
  CHECK(c.error.empty());
  CHECK(c.target->kind == FollowKind::category);
  CHECK(id_of(c) == 12);

  c = read_command("/follow tag Портальные  пушки ");
  CHECK(c.target->kind == FollowKind::tag);
  CHECK(name_of(c) == "Портальные  пушки");  // spaces inside a name are kept

  c = read_command("/unfollow product 7");
  CHECK(c.verb == Verb::unfollow);
  CHECK(c.target->kind == FollowKind::product);
  CHECK(id_of(c) == 7);

  c = read_command("/follow Category  Rick's stuff");
  CHECK(c.target->kind == FollowKind::category);
  CHECK(name_of(c) == "Rick's stuff");
}

TEST_CASE("a command addressed to this bot, or to another one") {
  CHECK(read_command("/follow@CatalogBot tag 3", "CatalogBot").verb == Verb::follow);
  CHECK(read_command("/follow@catalogbot tag 3", "CatalogBot").verb == Verb::follow);
  CHECK(read_command("/follow@OtherBot tag 3", "CatalogBot").verb == Verb::help);
  CHECK(read_command("/stop@AnyBot").verb == Verb::stop);  // our name not known yet
}

TEST_CASE("wrong follow lines say what was wrong") {
  for (auto line : {"/follow", "/follow colour red", "/unfollow tag", "/follow tag   "}) {
    auto c = read_command(line);
    INFO(line);
    CHECK_FALSE(c.error.empty());
    CHECK(c.error.find("Usage") == 0);
    CHECK_FALSE(c.target);
  }
  auto c = read_command("/follow product Portal gun");
  CHECK(c.verb == Verb::follow);
  CHECK(c.error.find("by its id") != std::string::npos);
  c = read_command("/follow product 0");
  CHECK(c.error == "No product has id 0.");
  c = read_command("/follow tag 99999999999999999999999");
  CHECK(c.error.find("No tag has id") == 0);
}

TEST_CASE("alerts take an id and a price, with a point or a comma") {
  auto c = read_command("/alert 7 19.99");
  CHECK(c.verb == Verb::alert);
  CHECK(c.error.empty());
  CHECK(c.product == 7);
  CHECK(c.price == 19.99);
  CHECK(read_command("/alert 7 19,5").price == 19.5);
  CHECK(read_command("/alert 7 0").price == 0);
  for (auto line : {"/alert", "/alert 7", "/alert x 3", "/alert 7 cheap", "/alert 7 -1",
                    "/alert 7 1e3", "/alert 7 3 4", "/alert 7 nan", "/alert 7 1.2.3"}) {
    INFO(line);
    CHECK(read_command(line).error.find("Usage: /alert") == 0);
  }
  CHECK(read_command("/alert 7 2000000000000").error == "The price must be at most 1000000000000.");
}

TEST_CASE("anything that is not a command is answered with help") {
  for (auto line : {"", "hello", "start", "/", "/unknown", "//start", "🙂 /start"}) {
    INFO(line);
    auto c = read_command(line);
    CHECK(c.verb == Verb::help);
    CHECK(c.error.empty());
  }
  CHECK(help_text().find("/follow category NAME|ID") != std::string::npos);
}
