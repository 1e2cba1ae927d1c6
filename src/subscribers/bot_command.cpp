#include "subscribers/bot_command.hpp"

#include <charconv>
#include <cmath>

#include "text/casefold.hpp"

namespace catalog::subscribers {

namespace {

// The largest price the catalog accepts; an alert above it could never be reached from above.
constexpr double max_price = 1e12;

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::optional<Id> read_id(std::string_view s) {
  if (!all_digits(s)) return std::nullopt;
  Id id = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc() || end != s.data() + s.size() || id <= 0) return std::nullopt;
  return id;
}

// Telegram users type "19.99" and, in much of the world, "19,99".
std::optional<double> read_price(std::string s) {
  for (auto& c : s)
    if (c == ',') c = '.';
  if (s.empty() || s.find_first_not_of("0123456789.") != std::string::npos) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// Splits off the first word (up to ASCII white space) and returns it; `rest` keeps what
// follows, its leading white space removed.
std::string_view first_word(std::string_view& rest) {
  auto begin = rest.find_first_not_of(" \t\n\r");
  if (begin == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(begin);
  auto end = rest.find_first_of(" \t\n\r");
  auto word = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  auto next = rest.find_first_not_of(" \t\n\r");
  rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next);
  return word;
}

std::optional<FollowKind> read_kind(std::string_view word) {
  auto folded = text::fold(word);
  if (folded == "category") return FollowKind::category;
  if (folded == "tag") return FollowKind::tag;
  if (folded == "product") return FollowKind::product;
  return std::nullopt;
}

BotCommand failed(BotCommand::Verb verb, std::string error) {
  BotCommand c;
  c.verb = verb;
  c.error = std::move(error);
  return c;
}

BotCommand read_follow(BotCommand::Verb verb, std::string_view args) {
  std::string usage = std::string(verb == BotCommand::Verb::follow ? "/follow" : "/unfollow") +
                      " category NAME|ID, " +
                      (verb == BotCommand::Verb::follow ? "/follow" : "/unfollow") +
                      " tag NAME|ID or " +
                      (verb == BotCommand::Verb::follow ? "/follow" : "/unfollow") + " product ID";
  auto kind = read_kind(first_word(args));
  if (!kind) return failed(verb, "Usage: " + usage + ".");
  auto rest = text::trim(args);
  if (rest.empty()) return failed(verb, "Usage: " + usage + ".");
  BotCommand c;
  c.verb = verb;
  if (all_digits(rest)) {
    auto id = read_id(rest);
    if (!id) return failed(verb, "No " + std::string(kind_name(*kind)) + " has id " + rest + ".");
    c.target = FollowTarget{*kind, *id};
  } else if (*kind == FollowKind::product) {
    return failed(verb, "A product is followed by its id, e.g. /follow product 7.");
  } else {
    c.target = FollowTarget{*kind, std::move(rest)};
  }
  return c;
}

BotCommand read_alert(std::string_view args) {
  static const std::string usage = "Usage: /alert PRODUCT_ID PRICE, e.g. /alert 7 19.99.";
  auto id_word = first_word(args);
  auto price_word = first_word(args);
  if (id_word.empty() || price_word.empty() || !args.empty())
    return failed(BotCommand::Verb::alert, usage);
  auto id = read_id(id_word);
  if (!id) return failed(BotCommand::Verb::alert, usage);
  auto price = read_price(std::string(price_word));
  if (!price) return failed(BotCommand::Verb::alert, usage);
  if (*price > max_price)
    return failed(BotCommand::Verb::alert, "The price must be at most 1000000000000.");
  BotCommand c;
  c.verb = BotCommand::Verb::alert;
  c.product = *id;
  c.price = *price;
  return c;
}

}  // namespace

std::string_view kind_name(FollowKind kind) {
  switch (kind) {
    case FollowKind::category:
      return "category";
    case FollowKind::tag:
      return "tag";
    case FollowKind::product:
      return "product";
  }
  return "product";
}

BotCommand read_command(std::string_view text, std::string_view bot_username) {
  std::string_view args = text;
  auto word = first_word(args);
  if (word.size() < 2 || word[0] != '/') return {};
  word.remove_prefix(1);
  if (auto at = word.find('@'); at != std::string_view::npos) {
    auto addressee = word.substr(at + 1);
    word = word.substr(0, at);
    // Usernames are case-insensitive ASCII on Telegram.
    if (!bot_username.empty() && text::fold(addressee) != text::fold(bot_username)) return {};
  }
  auto name = text::fold(word);
  using Verb = BotCommand::Verb;
  BotCommand c;
  if (name == "start") {
    c.verb = Verb::start;
  } else if (name == "stop") {
    c.verb = Verb::stop;
  } else if (name == "following") {
    c.verb = Verb::following;
  } else if (name == "follow") {
    return read_follow(Verb::follow, args);
  } else if (name == "unfollow") {
    return read_follow(Verb::unfollow, args);
  } else if (name == "alert") {
    return read_alert(args);
  }
  return c;
}

std::string help_text() {
  return "Commands:\n"
         "/start: get every change of the catalog\n"
         "/follow category NAME|ID, /follow tag NAME|ID, /follow product ID: get only the "
         "changes you follow\n"
         "/unfollow (the same forms): stop following it\n"
         "/alert PRODUCT_ID PRICE: one message when its price in shmeckles drops to PRICE\n"
         "/following: what you follow and your alerts\n"
         "/stop: unsubscribe and forget this chat";
}

}  // namespace catalog::subscribers
