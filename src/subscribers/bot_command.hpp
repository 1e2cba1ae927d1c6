// A subscriber's message to the bot, read as one of the commands of API.md ("Telegram
// subscribers"). Reading is pure: it names the command and its target, or says what was
// wrong with the line, and leaves looking names up and replying to the caller.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace catalog::subscribers {

using Id = int64_t;

enum class FollowKind { category, tag, product };

std::string_view kind_name(FollowKind kind);

// What a /follow or /unfollow names: an id (digits alone) or a name (the rest of the line,
// spaces kept; a product is always an id).
struct FollowTarget {
  FollowKind kind = FollowKind::category;
  std::variant<Id, std::string> ref;
};

struct BotCommand {
  enum class Verb { start, stop, follow, unfollow, alert, following, help };
  Verb verb = Verb::help;
  std::optional<FollowTarget> target;  // follow, unfollow
  Id product = 0;                      // alert
  double price = 0;                    // alert: price_shmeckles at or below which it fires
  // Set when the line named a command but its arguments were wrong: the reply to send.
  std::string error;
};

// Reads one message text. `bot_username` (without "@") is the bot's own name: "/follow@Name"
// is accepted for it (or for any name when it is empty) and a command addressed to another
// bot is answered with help. Text that is not a command, and unknown commands, are help.
BotCommand read_command(std::string_view text, std::string_view bot_username = {});

// The reply to /help and to anything the bot does not understand.
std::string help_text();

}  // namespace catalog::subscribers
