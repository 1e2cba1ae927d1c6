// A stand-in for the Telegram Bot API: a real HTTP(S) server on 127.0.0.1, in its own thread,
// that records every request and answers from a script, for unit and integration tests.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace catalog::testing {

namespace detail {
struct FakeTelegramState;
class FakeTelegramServer;
}  // namespace detail

class FakeTelegram {
 public:
  // What to do with one request.
  struct Behaviour {
    enum class Kind {
      ok,
      failure,
      too_many_requests,
      drop,
      delay,
      ok_then_hang_up,
      ok_with_close,
      raw
    };
    Kind kind = Kind::ok;
    int status = 200;
    std::string description;
    int retry_after = 0;
    std::chrono::milliseconds wait{0};
    std::string raw_body;
    std::vector<std::pair<std::string, std::string>> raw_headers;

    // 200 {"ok":true,"result":{"message_id":N,...}}
    static Behaviour ok();
    // {"ok":false,"error_code":status,"description":...} with that status.
    static Behaviour failure(int status, std::string description);
    static Behaviour server_error() { return failure(500, "Internal Server Error"); }
    static Behaviour bad_request(std::string description) {
      return failure(400, std::move(description));
    }
    // 429 with "parameters":{"retry_after":seconds}, as Telegram sends it.
    static Behaviour too_many_requests(int retry_after_seconds);
    // Closes the connection without answering.
    static Behaviour drop();
    // Answers ok after `wait`.
    static Behaviour delay(std::chrono::milliseconds wait);
    // Answers ok as if keeping the connection, then closes it: a server's idle time-out.
    static Behaviour ok_then_hang_up();
    // Answers ok with "Connection: close", and closes.
    static Behaviour ok_with_close();
    // Any status, body and headers, for answers Telegram itself never gives.
    static Behaviour raw(int status, std::string body,
                         std::vector<std::pair<std::string, std::string>> headers = {});
  };

  struct Received {
    std::string method;
    std::string target;
    std::string host;
    std::string content_type;
    std::string user_agent;
    nlohmann::json body;     // null when the body is not JSON
    nlohmann::json chat_id;  // as sent: a number or a string; null when absent
    std::string text;
    std::size_t connection = 0;  // 1 for the first accepted connection, 2 for the next...
    std::chrono::steady_clock::time_point at;
  };

  struct Tls {
    std::string cert_pem;  // the chain, leaf first
    std::string key_pem;
  };

  // Listens at once on a free port, over TLS when `tls` is given.
  explicit FakeTelegram(std::optional<Tls> tls = std::nullopt);
  ~FakeTelegram();
  FakeTelegram(const FakeTelegram&) = delete;
  FakeTelegram& operator=(const FakeTelegram&) = delete;

  // stop() closes the listener and every connection, as an outage would; start() listens
  // again on the same port. Both are idempotent.
  void start();
  void stop();

  unsigned short port() const { return port_; }
  std::string base_url() const;  // "http://127.0.0.1:PORT" or "https://..."

  // The next requests get these behaviours, one each, in order; then the default.
  void script(std::vector<Behaviour> behaviours);
  void set_default(Behaviour behaviour);

  // Every sendMessage (and any other method but the bot's own, below), in order.
  std::vector<Received> received() const;
  // The messages sent to one chat.
  std::vector<Received> sent_to(const nlohmann::json& chat_id) const;

  // Playing the bot's side (on by default): getMe answers with the username, getUpdates with
  // the updates pushed below after the request's offset (held 200 ms when there are none,
  // as a short long poll); both are recorded in bot_requests(), not in received(). Off:
  // every method is scripted and recorded alike.
  void play_bot(bool on);
  // A private-chat text message from `chat_id`, delivered by the next getUpdates; returns
  // its update_id.
  std::int64_t push_message(std::int64_t chat_id, const std::string& text,
                            const std::string& chat_type = "private");
  // Any update object; an update_id is given when it has none. Returns it.
  std::int64_t push_update(nlohmann::json update);
  // The next getUpdates calls are answered with these, one each, before the updates.
  void script_updates(std::vector<Behaviour> behaviours);
  std::vector<Received> bot_requests() const;
  // sendMessage to `chat_id` gets this answer from now on (nullopt: as the others).
  void set_chat(const nlohmann::json& chat_id, std::optional<Behaviour> behaviour);
  // True once `n` messages reached `chat_id`.
  bool wait_for_chat(const nlohmann::json& chat_id, std::size_t n,
                     std::chrono::milliseconds timeout) const;
  // True once `n` requests were recorded, false if `timeout` passed first.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const;

 private:
  std::optional<Tls> tls_;
  std::unique_ptr<detail::FakeTelegramState> state_;
  std::unique_ptr<detail::FakeTelegramServer> server_;
  unsigned short port_ = 0;
};

}  // namespace catalog::testing
