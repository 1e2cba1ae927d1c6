// The fake Bot API's server: one io_context thread, one session per connection, each request
// recorded before the scripted behaviour decides the answer.
#include "fake_telegram.hpp"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace catalog::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Behaviour = FakeTelegram::Behaviour;
using Received = FakeTelegram::Received;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

namespace detail {

// Shared by the test thread and the server thread, and kept across stop() and start().
struct FakeTelegramState {
  mutable std::mutex mutex;
  mutable std::condition_variable recorded;
  std::deque<Behaviour> script;
  Behaviour fallback = Behaviour::ok();
  std::vector<Received> received;
  std::int64_t next_message_id = 1;
  std::size_t connections = 0;
  bool bot = true;
  std::deque<nlohmann::json> updates;  // ascending update_id, not yet confirmed
  std::int64_t next_update_id = 1;
  std::deque<Behaviour> update_script;
  std::vector<Received> bot_requests;
  std::map<std::string, Behaviour> per_chat;  // by chat_id as JSON text

  static bool bot_method(const Received& r) {
    return r.target.size() >= 6 && (r.target.substr(r.target.size() - 6) == "/getMe" ||
                                    r.target.find("/getUpdates") != std::string::npos);
  }

  // Records the request and hands out the behaviour it gets, with its message id.
  std::pair<Behaviour, std::int64_t> record(Received r) {
    std::lock_guard lock(mutex);
    auto chat = per_chat.find(r.chat_id.dump());
    received.push_back(std::move(r));
    recorded.notify_all();
    Behaviour next = fallback;
    if (chat != per_chat.end()) {
      next = chat->second;
    } else if (!script.empty()) {
      next = std::move(script.front());
      script.pop_front();
    }
    return {std::move(next), next_message_id++};
  }

  // getMe and getUpdates, as Telegram answers them; the wait before answering.
  std::pair<Response, std::chrono::milliseconds> bot_answer(Received r);

  std::size_t new_connection() {
    std::lock_guard lock(mutex);
    return ++connections;
  }
};

}  // namespace detail

namespace {

using State = detail::FakeTelegramState;

Response json_response(http::status status, const nlohmann::json& body);
Response answer_for(const Behaviour& b, const Received& request, std::int64_t message_id);

}  // namespace

namespace detail {

std::pair<Response, std::chrono::milliseconds> FakeTelegramState::bot_answer(Received r) {
  std::lock_guard lock(mutex);
  bool me = r.target.substr(r.target.size() - 6) == "/getMe";
  bot_requests.push_back(r);
  recorded.notify_all();
  if (me)
    return {
        json_response(http::status::ok,
                      {{"ok", true},
                       {"result", {{"id", 1}, {"is_bot", true}, {"username", "CatalogTestBot"}}}}),
        std::chrono::milliseconds(0)};
  if (!update_script.empty()) {
    Behaviour b = std::move(update_script.front());
    update_script.pop_front();
    return {answer_for(b, r, 0),
            b.kind == Behaviour::Kind::delay ? b.wait : std::chrono::milliseconds(0)};
  }
  std::int64_t offset = r.body.is_object() ? r.body.value("offset", std::int64_t{0}) : 0;
  // As Telegram: asking after an offset confirms every update before it.
  while (!updates.empty() && updates.front()["update_id"].get<std::int64_t>() < offset)
    updates.pop_front();
  auto result = nlohmann::json::array();
  for (const auto& u : updates)
    result.push_back(u);
  auto wait = result.empty() ? std::chrono::milliseconds(200) : std::chrono::milliseconds(0);
  return {json_response(http::status::ok, {{"ok", true}, {"result", result}}), wait};
}

}  // namespace detail

namespace {

Received parse_request(const Request& request, std::size_t connection) {
  Received r;
  r.method = std::string(request.method_string());
  r.target = std::string(request.target());
  r.host = std::string(request[http::field::host]);
  r.content_type = std::string(request[http::field::content_type]);
  r.user_agent = std::string(request[http::field::user_agent]);
  r.body = nlohmann::json::parse(request.body(), nullptr, false);
  if (r.body.is_discarded()) r.body = nullptr;
  if (r.body.is_object()) {
    r.chat_id = r.body.value("chat_id", nlohmann::json());
    if (auto text = r.body.find("text"); text != r.body.end() && text->is_string())
      r.text = text->get<std::string>();
  }
  r.connection = connection;
  r.at = std::chrono::steady_clock::now();
  return r;
}

Response json_response(http::status status, const nlohmann::json& body) {
  Response response{status, 11};
  response.set(http::field::content_type, "application/json");
  response.body() = body.dump();
  return response;
}

Response ok_response(const Received& request, std::int64_t message_id) {
  return json_response(http::status::ok, {{"ok", true},
                                          {"result",
                                           {{"message_id", message_id},
                                            {"date", static_cast<std::int64_t>(std::time(nullptr))},
                                            {"chat", {{"id", request.chat_id}}},
                                            {"text", request.text}}}});
}

Response error_response(int status, const std::string& description) {
  return json_response(static_cast<http::status>(status),
                       {{"ok", false}, {"error_code", status}, {"description", description}});
}

Response answer_for(const Behaviour& b, const Received& request, std::int64_t message_id) {
  switch (b.kind) {
    case Behaviour::Kind::failure:
      return error_response(b.status, b.description);
    case Behaviour::Kind::too_many_requests: {
      auto response = error_response(429, b.description);
      auto body = nlohmann::json::parse(response.body());
      body["parameters"] = {{"retry_after", b.retry_after}};
      response.body() = body.dump();
      return response;
    }
    case Behaviour::Kind::raw: {
      Response response{static_cast<http::status>(b.status), 11};
      for (const auto& [name, value] : b.raw_headers)
        response.set(name, value);
      response.body() = b.raw_body;
      return response;
    }
    default:
      return ok_response(request, message_id);
  }
}

// One connection: read a request, record it, act on its behaviour, repeat while kept alive.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... StreamArgs>
  Session(State& state, std::size_t id, StreamArgs&&... args)
      : stream_(std::forward<StreamArgs>(args)...),
        timer_(stream_.get_executor()),
        state_(state),
        id_(id) {}

  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->read();
                              });
    }
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(1 << 20);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (!ec) self->on_request(self->parser_->release());
                     });
  }

  void on_request(const Request& request) {
    Received received = parse_request(request, id_);
    bool bot = false;
    {
      std::lock_guard lock(state_.mutex);
      bot = state_.bot && State::bot_method(received);
    }
    if (bot) {
      auto [answer, wait] = state_.bot_answer(std::move(received));
      answer.keep_alive(request.keep_alive());
      answer.prepare_payload();
      timer_.expires_after(wait);
      timer_.async_wait([self = this->shared_from_this(), answer = std::move(answer),
                         close_after = !request.keep_alive()](beast::error_code ec) mutable {
        if (!ec) self->write(std::move(answer), close_after);
      });
      return;
    }
    auto [behaviour, message_id] = state_.record(received);
    auto answer = answer_for(behaviour, received, message_id);
    bool keep_alive = request.keep_alive() && behaviour.kind != Behaviour::Kind::ok_with_close;
    answer.keep_alive(keep_alive);
    answer.prepare_payload();
    bool close_after = !keep_alive || behaviour.kind == Behaviour::Kind::ok_then_hang_up;
    if (behaviour.kind == Behaviour::Kind::drop) return close();
    if (behaviour.kind != Behaviour::Kind::delay) return write(std::move(answer), close_after);
    timer_.expires_after(behaviour.wait);
    timer_.async_wait([self = this->shared_from_this(), answer = std::move(answer),
                       close_after](beast::error_code ec) mutable {
      if (!ec) self->write(std::move(answer), close_after);
    });
  }

  void write(Response answer, bool close_after) {
    answer_ = std::move(answer);
    http::async_write(
        stream_, answer_,
        [self = this->shared_from_this(), close_after](beast::error_code ec, std::size_t) {
          if (ec || close_after) return self->close();
          self->read();
        });
  }

  void close() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
  }

  Stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Response answer_;
  State& state_;
  std::size_t id_;
};

}  // namespace

namespace detail {

// A running listener. Destroying it stops the thread and, with the io_context, every session.
class FakeTelegramServer {
 public:
  FakeTelegramServer(State& state, const std::optional<FakeTelegram::Tls>& tls, unsigned short port)
      : state_(state) {
    if (tls) tls_.emplace(make_tls_context(*tls));
    tcp::endpoint at(asio::ip::make_address("127.0.0.1"), port);
    acceptor_.open(at.protocol());
    // start() after stop() takes the same port back while old connections sit in TIME_WAIT.
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(at);
    acceptor_.listen();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }

  ~FakeTelegramServer() {
    io_.stop();
    thread_.join();
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }

 private:
  static ssl::context make_tls_context(const FakeTelegram::Tls& tls) {
    ssl::context context(ssl::context::tls_server);
    context.use_certificate_chain(asio::buffer(tls.cert_pem));
    context.use_private_key(asio::buffer(tls.key_pem), ssl::context::pem);
    return context;
  }

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      std::size_t id = state_.new_connection();
      if (tls_) {
        using Tls = beast::ssl_stream<beast::tcp_stream>;
        std::make_shared<Session<Tls>>(state_, id, std::move(socket), *tls_)->start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(state_, id, std::move(socket))->start();
      }
      accept();
    });
  }

  State& state_;
  std::optional<ssl::context> tls_;  // outlives the sessions, which die with io_
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::thread thread_;
};

}  // namespace detail

Behaviour Behaviour::ok() {
  return {};
}

Behaviour Behaviour::failure(int status, std::string description) {
  Behaviour b;
  b.kind = Kind::failure;
  b.status = status;
  b.description = std::move(description);
  return b;
}

Behaviour Behaviour::too_many_requests(int retry_after_seconds) {
  Behaviour b =
      failure(429, "Too Many Requests: retry after " + std::to_string(retry_after_seconds));
  b.kind = Kind::too_many_requests;
  b.retry_after = retry_after_seconds;
  return b;
}

Behaviour Behaviour::drop() {
  Behaviour b;
  b.kind = Kind::drop;
  return b;
}

Behaviour Behaviour::delay(std::chrono::milliseconds wait) {
  Behaviour b;
  b.kind = Kind::delay;
  b.wait = wait;
  return b;
}

Behaviour Behaviour::ok_then_hang_up() {
  Behaviour b;
  b.kind = Kind::ok_then_hang_up;
  return b;
}

Behaviour Behaviour::ok_with_close() {
  Behaviour b;
  b.kind = Kind::ok_with_close;
  return b;
}

Behaviour Behaviour::raw(int status, std::string body,
                         std::vector<std::pair<std::string, std::string>> headers) {
  Behaviour b;
  b.kind = Kind::raw;
  b.status = status;
  b.raw_body = std::move(body);
  b.raw_headers = std::move(headers);
  return b;
}

FakeTelegram::FakeTelegram(std::optional<Tls> tls)
    : tls_(std::move(tls)), state_(std::make_unique<detail::FakeTelegramState>()) {
  start();
}

FakeTelegram::~FakeTelegram() {
  stop();
}

void FakeTelegram::start() {
  if (server_) return;
  server_ = std::make_unique<detail::FakeTelegramServer>(*state_, tls_, port_);
  port_ = server_->port();
}

void FakeTelegram::stop() {
  server_.reset();
}

std::string FakeTelegram::base_url() const {
  return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_);
}

void FakeTelegram::script(std::vector<Behaviour> behaviours) {
  std::lock_guard lock(state_->mutex);
  state_->script.assign(std::make_move_iterator(behaviours.begin()),
                        std::make_move_iterator(behaviours.end()));
}

void FakeTelegram::set_default(Behaviour behaviour) {
  std::lock_guard lock(state_->mutex);
  state_->fallback = std::move(behaviour);
}

std::vector<Received> FakeTelegram::received() const {
  std::lock_guard lock(state_->mutex);
  return state_->received;
}

std::vector<Received> FakeTelegram::sent_to(const nlohmann::json& chat_id) const {
  std::lock_guard lock(state_->mutex);
  std::vector<Received> out;
  for (const auto& r : state_->received)
    if (r.chat_id == chat_id) out.push_back(r);
  return out;
}

void FakeTelegram::play_bot(bool on) {
  std::lock_guard lock(state_->mutex);
  state_->bot = on;
}

std::int64_t FakeTelegram::push_message(std::int64_t chat_id, const std::string& text,
                                        const std::string& chat_type) {
  return push_update({{"message",
                       {{"message_id", 1},
                        {"date", static_cast<std::int64_t>(std::time(nullptr))},
                        {"chat", {{"id", chat_id}, {"type", chat_type}}},
                        {"from", {{"id", chat_id}, {"is_bot", false}, {"first_name", "Test"}}},
                        {"text", text}}}});
}

std::int64_t FakeTelegram::push_update(nlohmann::json update) {
  std::lock_guard lock(state_->mutex);
  if (!update.contains("update_id")) update["update_id"] = state_->next_update_id;
  auto id = update["update_id"].get<std::int64_t>();
  state_->next_update_id = std::max(state_->next_update_id, id + 1);
  state_->updates.push_back(std::move(update));
  return id;
}

void FakeTelegram::script_updates(std::vector<Behaviour> behaviours) {
  std::lock_guard lock(state_->mutex);
  state_->update_script.assign(std::make_move_iterator(behaviours.begin()),
                               std::make_move_iterator(behaviours.end()));
}

std::vector<Received> FakeTelegram::bot_requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->bot_requests;
}

void FakeTelegram::set_chat(const nlohmann::json& chat_id, std::optional<Behaviour> behaviour) {
  std::lock_guard lock(state_->mutex);
  if (behaviour) {
    state_->per_chat[chat_id.dump()] = std::move(*behaviour);
  } else {
    state_->per_chat.erase(chat_id.dump());
  }
}

bool FakeTelegram::wait_for_chat(const nlohmann::json& chat_id, std::size_t n,
                                 std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->recorded.wait_for(lock, timeout, [&] {
    return static_cast<std::size_t>(
               std::count_if(state_->received.begin(), state_->received.end(),
                             [&](const Received& r) { return r.chat_id == chat_id; })) >= n;
  });
}

bool FakeTelegram::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->recorded.wait_for(lock, timeout, [&] { return state_->received.size() >= n; });
}

}  // namespace catalog::testing
