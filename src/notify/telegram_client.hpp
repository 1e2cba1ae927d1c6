// A blocking client for the Bot API's sendMessage, for the notifier's own thread: one kept-alive
// connection, bounded by a time-out, and a verdict the caller can act on instead of exceptions.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "notify/endpoint.hpp"

namespace catalog::notify {

struct SendResult {
  // sent: delivered. rate_limited: wait retry_after, then resend. transient: resend later
  // (network, time-out, TLS, 5xx, malformed answer). permanent: resending cannot help (4xx).
  enum class Kind { sent, rate_limited, transient, permanent };
  Kind kind = Kind::transient;
  int status = 0;  // HTTP status; 0 when there was no answer
  std::chrono::milliseconds retry_after{0};
  std::string description;  // Telegram's "description" or the error; never holds the token
  std::string answer;       // the body of a 2xx answer, for calls whose result is read
};

// Not thread-safe: one caller at a time, which the notifier's single thread is.
class TelegramClient {
 public:
  // `api_base` like "https://api.telegram.org" or "http://127.0.0.1:PORT"; a path prefix is
  // kept. Throws std::invalid_argument for a bad base or a token that cannot go in a URL path
  // (the message never holds the token). Connects lazily, on the first message.
  TelegramClient(std::string api_base, std::string bot_token,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~TelegramClient();
  TelegramClient(const TelegramClient&) = delete;
  TelegramClient& operator=(const TelegramClient&) = delete;

  // `chat_id` goes out as a JSON number when it is an integer ("-100123"), else as a string
  // ("@channel"). The whole call, a reconnect included, takes at most about the time-out
  // (DNS resolution aside: the system resolver cannot be interrupted).
  SendResult send_message(std::string_view chat_id, std::string_view text);

  // Any Bot API method ("getUpdates", "getMe") with a JSON body, with the same verdicts and
  // the answer's body in `answer`. `timeout` replaces the client's for this call: a long
  // poll waits longer than a send.
  SendResult call(std::string_view method, const std::string& json_body,
                  std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // May be called from another thread: a call under way (a long poll) ends now, as a
  // network error. A call that starts after it may end the same way, once.
  void interrupt();

  // The URL with the token replaced, for logs:
  // "https://api.telegram.org/bot<redacted>/sendMessage".
  std::string redacted_url() const;

 private:
  class Connection;

  // One exchange; nullopt when a kept-alive connection turned out closed before any answer.
  std::optional<SendResult> attempt(const std::string& target, const std::string& body,
                                    std::chrono::steady_clock::time_point deadline,
                                    std::chrono::milliseconds timeout);
  std::string without_token(std::string text) const;

  Endpoint endpoint_;
  std::string token_;
  // "/bot<token>/": holds the token, never put into any text that leaves this class.
  std::string target_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace catalog::notify
