// The Bot API client against a real local fake: how each answer is classified, the connection
// kept and renewed, the JSON sent, TLS verified, and the token kept out of every text.
#include "notify/telegram_client.hpp"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <thread>

#include "notify/endpoint.hpp"
#include "support/fake_telegram.hpp"
#include "support/tls_test_cert.hpp"

using catalog::notify::Endpoint;
using catalog::notify::parse_endpoint;
using catalog::notify::Scheme;
using catalog::notify::SendResult;
using catalog::notify::TelegramClient;
using catalog::testing::FakeTelegram;
using catalog::testing::make_test_pki;
using catalog::testing::TestPki;
using Behaviour = FakeTelegram::Behaviour;
using Kind = SendResult::Kind;
using namespace std::chrono_literals;

namespace {

const std::string kToken = "123456:AAE-secret_TOKEN";
const std::string kTokenSecret = "AAE-secret_TOKEN";

TelegramClient client_for(const FakeTelegram& fake, std::chrono::milliseconds timeout = 3s) {
  return TelegramClient(fake.base_url(), kToken, timeout);
}

SendResult send_once(FakeTelegram& fake, Behaviour behaviour) {
  fake.script({std::move(behaviour)});
  return client_for(fake).send_message("42", "hello");
}

// A port nothing listens on: bound, then released.
unsigned short closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, {boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(0)});
  return acceptor.local_endpoint().port();
}

// The CA as a file that OpenSSL reads through SSL_CERT_FILE while this lives.
class TrustedCa {
 public:
  explicit TrustedCa(const std::string& ca_pem)
      : path_(std::filesystem::temp_directory_path() /
              ("catalog-test-ca-" + std::to_string(::getpid()) + ".pem")) {
    std::ofstream(path_) << ca_pem;
    if (const char* old = std::getenv("SSL_CERT_FILE")) previous_ = old;
    ::setenv("SSL_CERT_FILE", path_.c_str(), 1);
  }
  ~TrustedCa() {
    if (previous_)
      ::setenv("SSL_CERT_FILE", previous_->c_str(), 1);
    else
      ::unsetenv("SSL_CERT_FILE");
    std::filesystem::remove(path_);
  }

 private:
  std::filesystem::path path_;
  std::optional<std::string> previous_;
};

FakeTelegram tls_fake(const TestPki& pki) {
  return FakeTelegram(FakeTelegram::Tls{pki.server_cert_pem, pki.server_key_pem});
}

bool mentions_token(const std::string& text) {
  return text.find(kToken) != std::string::npos || text.find(kTokenSecret) != std::string::npos;
}

}  // namespace

TEST_CASE("a message is posted as JSON to /bot<token>/sendMessage and is sent", "[telegram]") {
  FakeTelegram fake;
  auto result = client_for(fake).send_message("42", "hello");

  CHECK(result.kind == Kind::sent);
  CHECK(result.status == 200);
  auto got = fake.received();
  REQUIRE(got.size() == 1);
  CHECK(got[0].method == "POST");
  CHECK(got[0].target == "/bot" + kToken + "/sendMessage");
  CHECK(got[0].host == "127.0.0.1:" + std::to_string(fake.port()));
  CHECK(got[0].content_type == "application/json");
  CHECK(got[0].user_agent == "catalog-notifier");
  CHECK(got[0].body ==
        nlohmann::json{{"chat_id", 42}, {"text", "hello"}, {"disable_web_page_preview", true}});
}

TEST_CASE("any method is called at /bot<token>/METHOD, with the answer's body kept", "[telegram]") {
  FakeTelegram fake;
  fake.play_bot(false);
  const std::string answer = R"({"ok":true,"result":[{"update_id":5}]})";
  fake.script({Behaviour::raw(200, answer, {{"Content-Type", "application/json"}}),
               Behaviour::failure(409, "Conflict: terminated by other getUpdates request")});
  auto client = client_for(fake, 1s);
  auto result = client.call("getUpdates", R"({"offset":5,"timeout":2})", 4s);
  CHECK(result.kind == Kind::sent);
  CHECK(result.answer == answer);
  auto refused = client.call("getUpdates", R"({"offset":6,"timeout":2})", 4s);
  CHECK(refused.kind == Kind::permanent);
  CHECK(refused.status == 409);
  CHECK(refused.answer.empty());
  auto got = fake.received();
  REQUIRE(got.size() == 2);
  CHECK(got[0].target == "/bot" + kToken + "/getUpdates");
  CHECK(got[0].body == nlohmann::json{{"offset", 5}, {"timeout", 2}});
}

TEST_CASE("a long poll waits past the client's own time-out when the call asks for it",
          "[telegram]") {
  FakeTelegram fake;
  fake.play_bot(false);
  fake.script({Behaviour::delay(1500ms)});
  auto client = client_for(fake, 500ms);
  CHECK(client.call("getUpdates", "{}", 5s).kind == Kind::sent);
  fake.script({Behaviour::delay(1500ms)});
  auto late = client.call("getUpdates", "{}");
  CHECK(late.kind == Kind::transient);
  CHECK_FALSE(mentions_token(late.description));
}

TEST_CASE("a path prefix in the API base is kept before /bot", "[telegram]") {
  FakeTelegram fake;
  TelegramClient client(fake.base_url() + "/tg/", kToken);
  REQUIRE(client.send_message("42", "hi").kind == Kind::sent);
  CHECK(fake.received().at(0).target == "/tg/bot" + kToken + "/sendMessage");
  CHECK(client.redacted_url() == fake.base_url() + "/tg/bot<redacted>/sendMessage");
}

TEST_CASE("a 500 answer is transient with Telegram's description", "[telegram]") {
  FakeTelegram fake;
  auto result = send_once(fake, Behaviour::server_error());
  CHECK(result.kind == Kind::transient);
  CHECK(result.status == 500);
  CHECK(result.description == "Internal Server Error");
}

TEST_CASE("a 429 answer is rate limited for the retry_after Telegram names", "[telegram]") {
  FakeTelegram fake;
  auto result = send_once(fake, Behaviour::too_many_requests(7));
  CHECK(result.kind == Kind::rate_limited);
  CHECK(result.status == 429);
  CHECK(result.retry_after == 7s);
  CHECK(result.description == "Too Many Requests: retry after 7");
}

TEST_CASE("a 429 without retry_after falls back to Retry-After, then to one second", "[telegram]") {
  FakeTelegram fake;
  auto with_header =
      send_once(fake, Behaviour::raw(429, R"({"ok":false})", {{"Retry-After", "3"}}));
  CHECK(with_header.kind == Kind::rate_limited);
  CHECK(with_header.retry_after == 3s);
  auto bare = send_once(fake, Behaviour::raw(429, "slow down"));
  CHECK(bare.kind == Kind::rate_limited);
  CHECK(bare.retry_after == 1s);
}

TEST_CASE("a 4xx answer other than 429 is permanent with Telegram's description", "[telegram]") {
  auto [status, description] = GENERATE(table<int, std::string>({
      {400, "Bad Request: chat not found"},
      {401, "Unauthorized"},
      {403, "Forbidden: bot was blocked by the user"},
      {404, "Not Found"},
  }));
  FakeTelegram fake;
  auto result = send_once(fake, Behaviour::failure(status, description));
  CHECK(result.kind == Kind::permanent);
  CHECK(result.status == status);
  CHECK(result.description == description);
}

TEST_CASE("a connection dropped without an answer is transient", "[telegram]") {
  FakeTelegram fake;
  auto result = send_once(fake, Behaviour::drop());
  CHECK(result.kind == Kind::transient);
  CHECK(result.status == 0);
  CHECK(fake.received().size() == 1);
}

TEST_CASE("an answer that is not Telegram's JSON is transient", "[telegram]") {
  FakeTelegram fake;
  auto html_ok = send_once(fake, Behaviour::raw(200, "<html>captive portal</html>"));
  CHECK(html_ok.kind == Kind::transient);
  CHECK(html_ok.status == 200);
  auto not_ok = send_once(fake, Behaviour::raw(200, R"({"ok":false})"));
  CHECK(not_ok.kind == Kind::transient);
  auto gateway = send_once(fake, Behaviour::raw(502, "<html>Bad Gateway</html>"));
  CHECK(gateway.kind == Kind::transient);
  CHECK(gateway.description == "HTTP 502 Bad Gateway");
}

TEST_CASE("a refused connection is transient with no status", "[telegram]") {
  TelegramClient client("http://127.0.0.1:" + std::to_string(closed_port()), kToken);
  auto result = client.send_message("42", "hello");
  CHECK(result.kind == Kind::transient);
  CHECK(result.status == 0);
  CHECK_THAT(result.description, Catch::Contains("connecting to 127.0.0.1"));
}

TEST_CASE("a slow answer times out as transient within about the time-out", "[telegram]") {
  FakeTelegram fake;
  fake.script({Behaviour::delay(3s)});
  auto client = client_for(fake, 300ms);
  auto started = std::chrono::steady_clock::now();
  auto result = client.send_message("42", "hello");
  auto took = std::chrono::steady_clock::now() - started;

  CHECK(result.kind == Kind::transient);
  CHECK(result.status == 0);
  CHECK_THAT(result.description, Catch::Contains("timed out after 300 ms"));
  CHECK(took >= 250ms);
  CHECK(took < 1500ms);
}

TEST_CASE("two messages share one kept-alive connection", "[telegram]") {
  FakeTelegram fake;
  auto client = client_for(fake);
  REQUIRE(client.send_message("42", "one").kind == Kind::sent);
  REQUIRE(client.send_message("42", "two").kind == Kind::sent);
  auto got = fake.received();
  REQUIRE(got.size() == 2);
  CHECK(got[0].connection == got[1].connection);
}

TEST_CASE("a kept-alive connection the server closed is reopened and the message sent once",
          "[telegram]") {
  FakeTelegram fake;
  fake.script({Behaviour::ok_then_hang_up()});
  auto client = client_for(fake);
  REQUIRE(client.send_message("42", "one").kind == Kind::sent);
  // Let the fake's close reach the client, as an idle time-out would long before.
  std::this_thread::sleep_for(50ms);
  auto second = client.send_message("42", "two");

  CHECK(second.kind == Kind::sent);
  auto got = fake.received();
  REQUIRE(got.size() == 2);
  CHECK(got[1].text == "two");
  CHECK(got[0].connection != got[1].connection);
}

TEST_CASE("an answer with Connection: close makes the next message use a new connection",
          "[telegram]") {
  FakeTelegram fake;
  fake.script({Behaviour::ok_with_close()});
  auto client = client_for(fake);
  REQUIRE(client.send_message("42", "one").kind == Kind::sent);
  REQUIRE(client.send_message("42", "two").kind == Kind::sent);
  auto got = fake.received();
  REQUIRE(got.size() == 2);
  CHECK(got[0].connection != got[1].connection);
}

TEST_CASE("a numeric chat id is sent as a JSON number and a channel name as a string",
          "[telegram]") {
  FakeTelegram fake;
  auto client = client_for(fake);
  for (const char* id : {"123456789", "-1001234567890", "@my_channel", "12a", "-"})
    REQUIRE(client.send_message(id, "x").kind == Kind::sent);
  auto got = fake.received();
  REQUIRE(got.size() == 5);
  CHECK(got[0].chat_id == nlohmann::json(123456789));
  CHECK(got[1].chat_id == nlohmann::json(-1001234567890));
  CHECK(got[2].chat_id == nlohmann::json("@my_channel"));
  CHECK(got[3].chat_id == nlohmann::json("12a"));
  CHECK(got[4].chat_id == nlohmann::json("-"));
}

TEST_CASE("Unicode text arrives intact", "[telegram]") {
  FakeTelegram fake;
  const std::string text =
      "🆕 Product #1 «Портальная пушка» created: 250.5 shmeckles / 180 flurbos\n\"quoted\" \\";
  REQUIRE(client_for(fake).send_message("42", text).kind == Kind::sent);
  CHECK(fake.received().at(0).text == text);
}

TEST_CASE("the token appears in no description of any failure, nor in the redacted URL",
          "[telegram]") {
  const std::string echo = "Not Found: POST /bot" + kToken + "/sendMessage";
  std::vector<std::pair<std::string, std::function<SendResult()>>> failures = {
      {"500",
       [] {
         FakeTelegram f;
         return send_once(f, Behaviour::server_error());
       }},
      {"429",
       [] {
         FakeTelegram f;
         return send_once(f, Behaviour::too_many_requests(1));
       }},
      {"400 echoing the path",
       [&] {
         FakeTelegram f;
         return send_once(f, Behaviour::bad_request(echo));
       }},
      {"non-JSON echoing the path",
       [&] {
         FakeTelegram f;
         return send_once(f, Behaviour::raw(200, echo));
       }},
      {"dropped",
       [] {
         FakeTelegram f;
         return send_once(f, Behaviour::drop());
       }},
      {"time-out",
       [] {
         FakeTelegram f;
         f.script({Behaviour::delay(2s)});
         return client_for(f, 200ms).send_message("42", "x");
       }},
      {"connection refused",
       [] {
         return TelegramClient("http://127.0.0.1:" + std::to_string(closed_port()), kToken)
             .send_message("42", "x");
       }},
      {"unknown host",
       [] {
         return TelegramClient("http://no-such-host.invalid", kToken, 2s).send_message("42", "x");
       }},
      {"untrusted certificate",
       [] {
         auto fake = tls_fake(make_test_pki("IP:127.0.0.1"));
         return client_for(fake).send_message("42", "x");
       }},
  };
  for (const auto& [name, fail] : failures) {
    INFO(name);
    auto result = fail();
    CHECK(result.kind != Kind::sent);
    CHECK_FALSE(result.description.empty());
    CHECK_FALSE(mentions_token(result.description));
  }

  TelegramClient client("https://api.telegram.org", kToken);
  CHECK(client.redacted_url() == "https://api.telegram.org/bot<redacted>/sendMessage");
}

TEST_CASE("a bad API base or token is refused at construction without echoing the token",
          "[telegram]") {
  for (const char* base :
       {"ftp://api.telegram.org", "api.telegram.org", "https://", "http://h:0", "http://h:99999",
        "http://h:8x", "http://user@h", "http://h/p?q=1", "http://h/a b", "http://[::1"}) {
    INFO(base);
    try {
      TelegramClient(base, kToken);
      FAIL("accepted");
    } catch (const std::invalid_argument& e) {
      CHECK_FALSE(mentions_token(e.what()));
    }
  }
  for (std::string token :
       {std::string(), kToken + " x", kToken + "\r\nX-Evil: 1", kToken + "/.."}) {
    INFO(token);
    try {
      TelegramClient("https://api.telegram.org", token);
      FAIL("accepted");
    } catch (const std::invalid_argument& e) {
      CHECK_FALSE(mentions_token(e.what()));
    }
  }
}

TEST_CASE("the API base is split into scheme, host, port and path prefix", "[telegram]") {
  Endpoint telegram = parse_endpoint("https://api.telegram.org");
  CHECK(telegram.scheme == Scheme::https);
  CHECK(telegram.host == "api.telegram.org");
  CHECK(telegram.port == 443);
  CHECK(telegram.path_prefix.empty());
  CHECK(telegram.authority() == "api.telegram.org");

  Endpoint local = parse_endpoint("HTTP://127.0.0.1:8081/prefix/v1/");
  CHECK(local.scheme == Scheme::http);
  CHECK(local.port == 8081);
  CHECK(local.path_prefix == "/prefix/v1");
  CHECK(local.base_url() == "http://127.0.0.1:8081/prefix/v1");

  CHECK(parse_endpoint("http://Example.COM").port == 80);
  CHECK(parse_endpoint("http://Example.COM").host == "example.com");
  CHECK(parse_endpoint("https://example.com:443/").base_url() == "https://example.com");
  Endpoint v6 = parse_endpoint("http://[::1]:9000");
  CHECK(v6.host == "::1");
  CHECK(v6.authority() == "[::1]:9000");
}

TEST_CASE("over HTTPS a server certified by a CA in SSL_CERT_FILE is trusted", "[telegram]") {
  TestPki pki = make_test_pki("IP:127.0.0.1");
  auto fake = tls_fake(pki);
  TrustedCa trusted(pki.ca_pem);
  auto result = client_for(fake).send_message("42", "über TLS");
  CHECK(result.kind == Kind::sent);
  CHECK(fake.received().at(0).text == "über TLS");
}

TEST_CASE("over HTTPS a certificate from an unknown CA fails verification", "[telegram]") {
  auto fake = tls_fake(make_test_pki("IP:127.0.0.1"));
  auto result = client_for(fake).send_message("42", "x");
  CHECK(result.kind == Kind::transient);
  CHECK(result.status == 0);
  CHECK_THAT(result.description, Catch::Contains("certificate verify failed"));
  CHECK(fake.received().empty());
}

TEST_CASE("over HTTPS a trusted certificate for another host is refused", "[telegram]") {
  TestPki pki = make_test_pki("DNS:other.example,IP:127.0.0.2");
  auto fake = tls_fake(pki);
  TrustedCa trusted(pki.ca_pem);
  auto result = client_for(fake).send_message("42", "x");
  CHECK(result.kind == Kind::transient);
  CHECK_THAT(result.description, Catch::Contains("mismatch"));
  CHECK(fake.received().empty());
}
