// sendMessage over Beast: a kept-alive HTTP/1.1 or TLS connection driven step by step on a
// private io_context, so that every step is bounded by the stream's expiry.
#include "notify/telegram_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <variant>

namespace catalog::notify {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Telegram answers are small; a huge body means something else is answering.
constexpr std::uint64_t kMaxAnswerBytes = 1 << 20;
constexpr std::chrono::seconds kDefaultRetryAfter{1};
// A bogus retry_after must not overflow the caller's clock arithmetic.
constexpr std::chrono::seconds kMaxRetryAfter{24 * 3600};

// Tokens look like "123456:AAE-x_y"; anything needing percent-encoding is a broken setting,
// and refusing it keeps the request target free of characters that could split the request.
void check_token(std::string_view token) {
  auto allowed = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '-' || c == '_' ||
           c == '.' || c == '~';
  };
  if (token.empty() || !std::all_of(token.begin(), token.end(), allowed))
    throw std::invalid_argument(
        "the Telegram bot token is empty or has characters not allowed in a URL path");
}

nlohmann::json chat_id_json(std::string_view chat_id) {
  std::int64_t number = 0;
  const char* end = chat_id.data() + chat_id.size();
  auto [stop, ec] = std::from_chars(chat_id.data(), end, number);
  bool integer = !chat_id.empty() && ec == std::errc() && stop == end;
  return integer ? nlohmann::json(number) : nlohmann::json(std::string(chat_id));
}

std::string message_body(std::string_view chat_id, std::string_view text) {
  nlohmann::json body = {{"chat_id", chat_id_json(chat_id)},
                         {"text", std::string(text)},
                         {"disable_web_page_preview", true}};
  // Replacing invalid UTF-8 rather than throwing: a mangled byte beats a lost message.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

SendResult no_answer(std::string description) {
  return {SendResult::Kind::transient, 0, std::chrono::milliseconds(0), std::move(description), {}};
}

std::string describe(std::string_view step, const beast::error_code& ec,
                     std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout)
    return std::string(step) + " timed out after " + std::to_string(timeout.count()) + " ms";
  if (ec == http::error::end_of_stream)
    return std::string(step) + ": the connection was closed before an answer";
  return std::string(step) + ": " + ec.message();
}

std::optional<std::string> json_string(const nlohmann::json& body, const char* key) {
  if (!body.is_object()) return std::nullopt;
  auto it = body.find(key);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

bool telegram_ok(const nlohmann::json& body) {
  if (!body.is_object()) return false;
  auto it = body.find("ok");
  return it != body.end() && it->is_boolean() && it->get<bool>();
}

std::optional<std::int64_t> retry_after_in_body(const nlohmann::json& body) {
  if (!body.is_object()) return std::nullopt;
  auto params = body.find("parameters");
  if (params == body.end() || !params->is_object()) return std::nullopt;
  auto value = params->find("retry_after");
  if (value == params->end() || !value->is_number_integer()) return std::nullopt;
  return value->get<std::int64_t>();
}

// Only the delta-seconds form: Telegram sends none, and a proxy's HTTP-date is rare enough
// for the default to do.
std::optional<std::int64_t> retry_after_in_header(const Response& response) {
  auto it = response.find(http::field::retry_after);
  if (it == response.end()) return std::nullopt;
  std::string_view value = it->value();
  std::int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
  return seconds;
}

std::chrono::milliseconds retry_after(const nlohmann::json& body, const Response& response) {
  auto seconds = retry_after_in_body(body);
  if (!seconds || *seconds < 0) seconds = retry_after_in_header(response);
  if (!seconds || *seconds < 0) return kDefaultRetryAfter;
  return std::min(std::chrono::seconds(*seconds), kMaxRetryAfter);
}

SendResult classify(const Response& response) {
  const int status = static_cast<int>(response.result_int());
  const auto body = nlohmann::json::parse(response.body(), nullptr, false);
  const std::string fallback = "HTTP " + std::to_string(status) + " " +
                               std::string(http::obsolete_reason(response.result()));
  std::string description = json_string(body, "description").value_or(fallback);
  auto result = [&](SendResult::Kind kind) {
    return SendResult{kind, status, std::chrono::milliseconds(0), description, {}};
  };
  if (status == 429) {
    SendResult r = result(SendResult::Kind::rate_limited);
    r.retry_after = retry_after(body, response);
    return r;
  }
  if (status / 100 == 2) {
    if (telegram_ok(body)) {
      auto sent = result(SendResult::Kind::sent);
      sent.answer = response.body();
      return sent;
    }
    description = fallback + ", but not a Telegram answer with \"ok\": true";
    return result(SendResult::Kind::transient);
  }
  // 408 is a proxy giving up on a slow request: sending again may well succeed.
  if (status / 100 == 4 && status != 408) return result(SendResult::Kind::permanent);
  // 5xx, and redirects or informational answers Telegram never sends: a broken path
  // (captive portal, proxy) that may heal, so the message is kept rather than dropped.
  return result(SendResult::Kind::transient);
}

// Sync Beast calls ignore the stream's expiry, so each step runs asynchronously and the
// private io_context is driven until that step alone has completed; the expiry guarantees
// it does.
template <class Start>
beast::error_code run_step(asio::io_context& io, Start&& start) {
  std::optional<beast::error_code> result;
  std::forward<Start>(start)([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  while (!result && io.run_one() > 0) {
  }
  return result.value_or(asio::error::operation_aborted);
}

}  // namespace

// The one kept-alive connection: open, exchange, close. Each failure comes back as a
// description made only of the host, the port and the error, never the request target.
class TelegramClient::Connection {
 public:
  struct Exchange {
    beast::error_code error;
    std::string failed_step;
    bool got_answer_bytes = false;
    Response response;
  };

  explicit Connection(const Endpoint& endpoint) : endpoint_(endpoint) {
    if (!endpoint.secure()) return;
    tls_.emplace(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
    // Honours SSL_CERT_FILE / SSL_CERT_DIR, as OpenSSL reads them here.
    tls_->set_default_verify_paths();
  }

  bool is_open() const { return !std::holds_alternative<std::monostate>(stream_); }

  // From any thread: the step under way (a long poll) ends at once with an error.
  void interrupt() {
    asio::post(io_, [this] {
      if (auto* tls = std::get_if<TlsStream>(&stream_)) beast::get_lowest_layer(*tls).cancel();
      if (auto* tcp = std::get_if<beast::tcp_stream>(&stream_)) tcp->cancel();
    });
  }
  void close() {
    stream_.emplace<std::monostate>();
    buffer_.clear();
  }

  // An empty result when connected (and, for https, the peer verified).
  std::optional<std::string> open(Clock::time_point deadline, std::chrono::milliseconds timeout) {
    close();
    tcp::resolver::results_type addresses;
    if (auto failure = resolve(deadline, timeout, addresses)) return failure;
    beast::tcp_stream& tcp = endpoint_.secure()
                                 ? beast::get_lowest_layer(stream_.emplace<TlsStream>(io_, *tls_))
                                 : stream_.emplace<beast::tcp_stream>(io_);
    tcp.expires_at(deadline);
    auto ec = run_step(io_, [&](auto handler) { tcp.async_connect(addresses, handler); });
    if (ec) return fail("connecting to " + where(), ec, timeout);
    if (!endpoint_.secure()) return std::nullopt;
    return handshake(std::get<TlsStream>(stream_), timeout);
  }

  // Only on an open connection.
  Exchange exchange(const Request& request, Clock::time_point deadline) {
    if (auto* tls = std::get_if<TlsStream>(&stream_)) return exchange_on(*tls, request, deadline);
    return exchange_on(std::get<beast::tcp_stream>(stream_), request, deadline);
  }

 private:
  std::string where() const { return endpoint_.host + ":" + std::to_string(endpoint_.port); }

  std::optional<std::string> fail(const std::string& step, const beast::error_code& ec,
                                  std::chrono::milliseconds timeout) {
    close();
    return describe(step, ec, timeout);
  }

  // The resolver has no expiry of its own: the lookup is abandoned at the deadline, and its
  // state is shared so that the late completion, run by a later step, writes nowhere stale.
  std::optional<std::string> resolve(Clock::time_point deadline, std::chrono::milliseconds timeout,
                                     tcp::resolver::results_type& addresses) {
    struct Lookup {
      bool done = false;
      beast::error_code error;
      tcp::resolver::results_type results;
    };
    auto lookup = std::make_shared<Lookup>();
    resolver_.async_resolve(endpoint_.host, std::to_string(endpoint_.port),
                            [lookup](beast::error_code ec, tcp::resolver::results_type results) {
                              *lookup = {true, ec, std::move(results)};
                            });
    io_.restart();
    while (!lookup->done && io_.run_one_until(deadline) > 0) {
    }
    const std::string step = "resolving " + endpoint_.host;
    if (!lookup->done) {
      resolver_.cancel();
      return describe(step, beast::error::timeout, timeout);
    }
    if (lookup->error) return describe(step, lookup->error, timeout);
    addresses = std::move(lookup->results);
    return std::nullopt;
  }

  std::optional<std::string> handshake(TlsStream& stream, std::chrono::milliseconds timeout) {
    const bool ip = is_ip_address(endpoint_.host);
    // RFC 6066 forbids IP literals as server names.
    if (!ip) SSL_set_tlsext_host_name(stream.native_handle(), endpoint_.host.c_str());
    stream.set_verify_mode(ssl::verify_peer);
    stream.set_verify_callback([check = ssl::host_name_verification(endpoint_.host), ip](
                                   bool preverified, ssl::verify_context& ctx) {
      if (check(preverified, ctx)) return true;
      // On a name mismatch the store's error stays "ok"; set one so the reason is readable.
      if (preverified)
        X509_STORE_CTX_set_error(ctx.native_handle(), ip ? X509_V_ERR_IP_ADDRESS_MISMATCH
                                                         : X509_V_ERR_HOSTNAME_MISMATCH);
      return false;
    });
    auto ec = run_step(
        io_, [&](auto handler) { stream.async_handshake(ssl::stream_base::client, handler); });
    if (!ec) return std::nullopt;
    // Read before fail(), which destroys the stream.
    long verdict = SSL_get_verify_result(stream.native_handle());
    auto failure = fail("TLS handshake with " + where(), ec, timeout);
    if (verdict != X509_V_OK)
      *failure += " (" + std::string(X509_verify_cert_error_string(verdict)) + ")";
    return failure;
  }

  template <class Stream>
  Exchange exchange_on(Stream& stream, const Request& request, Clock::time_point deadline) {
    beast::get_lowest_layer(stream).expires_at(deadline);
    Exchange out;
    out.error = run_step(io_, [&](auto handler) { http::async_write(stream, request, handler); });
    if (out.error) return failed(std::move(out), "sending to " + where());
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxAnswerBytes);
    out.error =
        run_step(io_, [&](auto handler) { http::async_read(stream, buffer_, parser, handler); });
    out.got_answer_bytes = parser.got_some();
    if (out.error) return failed(std::move(out), "reading the answer from " + where());
    out.response = parser.release();
    if (!out.response.keep_alive()) close();
    return out;
  }

  Exchange failed(Exchange out, std::string step) {
    close();
    out.failed_step = std::move(step);
    return out;
  }

  const Endpoint& endpoint_;
  std::optional<ssl::context> tls_;
  asio::io_context io_;
  tcp::resolver resolver_{io_};
  beast::flat_buffer buffer_;
  std::variant<std::monostate, beast::tcp_stream, TlsStream> stream_;
};

TelegramClient::TelegramClient(std::string api_base, std::string bot_token,
                               std::chrono::milliseconds timeout)
    : endpoint_(parse_endpoint(api_base)), token_(std::move(bot_token)), timeout_(timeout) {
  check_token(token_);
  target_ = endpoint_.path_prefix + "/bot" + token_ + "/";
  connection_ = std::make_unique<Connection>(endpoint_);
}

TelegramClient::~TelegramClient() = default;

void TelegramClient::interrupt() {
  connection_->interrupt();
}

std::string TelegramClient::redacted_url() const {
  return endpoint_.base_url() + "/bot<redacted>/sendMessage";
}

SendResult TelegramClient::send_message(std::string_view chat_id, std::string_view text) {
  return call("sendMessage", message_body(chat_id, text));
}

SendResult TelegramClient::call(std::string_view method, const std::string& json_body,
                                std::optional<std::chrono::milliseconds> timeout) {
  const std::string target = target_ + std::string(method);
  const auto limit = timeout.value_or(timeout_);
  const auto deadline = Clock::now() + limit;
  // A kept-alive connection the server closed meanwhile fails before any answer; that says
  // nothing about the call, so it goes once more on a fresh connection.
  auto result = attempt(target, json_body, deadline, limit);
  if (!result) result = attempt(target, json_body, deadline, limit);
  result->description = without_token(std::move(result->description));
  return *std::move(result);
}

std::optional<SendResult> TelegramClient::attempt(const std::string& target,
                                                  const std::string& body,
                                                  Clock::time_point deadline,
                                                  std::chrono::milliseconds timeout) {
  const bool reused = connection_->is_open();
  if (!reused) {
    if (auto failure = connection_->open(deadline, timeout)) return no_answer(*failure);
  }
  Request request{http::verb::post, target, 11};
  request.set(http::field::host, endpoint_.authority());
  request.set(http::field::user_agent, "catalog-notifier");
  request.set(http::field::content_type, "application/json");
  request.keep_alive(true);
  request.body() = body;
  request.prepare_payload();
  auto exchange = connection_->exchange(request, deadline);
  if (!exchange.error) return classify(exchange.response);
  if (reused && !exchange.got_answer_bytes && exchange.error != beast::error::timeout)
    return std::nullopt;
  return no_answer(describe(exchange.failed_step, exchange.error, timeout));
}

// Every error text is built without the target, and this is the second line of defence: an
// answer's description is the server's text, which could echo the path it was sent to.
std::string TelegramClient::without_token(std::string text) const {
  for (auto at = text.find(token_); at != std::string::npos; at = text.find(token_, at))
    text.replace(at, token_.size(), "<redacted>");
  return text;
}

}  // namespace catalog::notify
