#include "http/cluster_mutation.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>

#include "cluster/forwarder.hpp"
#include "cluster/node_state.hpp"
#include "http/response.hpp"

namespace catalog::http {

namespace {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr auto patience = std::chrono::seconds(5);
constexpr auto pause = std::chrono::milliseconds(100);
// One forwarded attempt: a writer that does not answer within this is likely paused or
// lost, and a new one may hold the lock before the client's 5 s are up. Trying again is
// safe with the key; a commit takes milliseconds.
constexpr auto attempt_timeout = std::chrono::milliseconds(1000);

bool worth_retrying(const events::CommandResult& r) {
  if (r.kept) return false;
  const auto* e = std::get_if<events::DomainError>(&r.outcome);
  using Kind = events::DomainError::Kind;
  return e && (e->kind == Kind::not_writer || e->kind == Kind::outcome_unknown ||
               e->kind == Kind::unavailable);
}

int64_t position_of(const Response& res) {
  auto it = res.find("Catalog-Position");
  int64_t p = 0;
  if (it == res.end()) return 0;
  std::string_view v = it->value();
  std::from_chars(v.data(), v.data() + v.size(), p);
  return p;
}

class Relay : public std::enable_shared_from_this<Relay> {
 public:
  Relay(const Services& svc, const Request& req, events::Command command, SuccessAnswer success,
        Respond respond, std::string key)
      : svc_(svc),
        req_(req),
        command_(std::move(command)),
        success_(std::move(success)),
        respond_(std::move(respond)),
        key_(std::move(key)),
        deadline_(Clock::now() + patience),
        timer_(svc.forwarder->executor()) {}

  void attempt() {
    auto self = shared_from_this();
    if (svc_.node->role() == cluster::Role::writer) {
      svc_.submit(command_, keyed(req_, key_, success_), [self](events::CommandResult r) {
        if (worth_retrying(r)) return self->again(result_response(self->req_, r, self->success_));
        self->finish(result_response(self->req_, r, self->success_));
      });
      return;
    }
    if (req_.find(forwarded_header) != req_.end()) {
      // Forwarded once already: the forwarding node looks for the writer again.
      return finish(
          domain_error_response(req_, {events::DomainError::Kind::not_writer,
                                       "this node is not the writer; nothing was changed"}));
    }
    auto writer = svc_.node->writer_url();
    if (!writer || *writer == svc_.node->url()) {
      return again(domain_error_response(
          req_, {events::DomainError::Kind::not_writer,
                 "no node holds the writer lock right now; nothing was changed: retry"}));
    }
    forward(*writer);
  }

 private:
  void forward(const std::string& writer) {
    cluster::Forwarder::Request out{req_.method(), req_.target(), 11};
    for (const auto& field : req_) {
      auto name = field.name();
      if (name == beast_http::field::connection || name == beast_http::field::host ||
          name == beast_http::field::content_length || name == beast_http::field::expect ||
          name == beast_http::field::transfer_encoding)
        continue;
      out.set(field.name_string(), field.value());
    }
    out.set("Idempotency-Key", key_);
    out.set(forwarded_header, svc_.node->url());
    out.body() = req_.body();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    auto self = shared_from_this();
    svc_.forwarder->send(
        writer, std::move(out),
        std::clamp(left, std::chrono::milliseconds(100),
                   std::chrono::duration_cast<std::chrono::milliseconds>(attempt_timeout)),
        [self, writer](cluster::Forwarder::Answer a) {
          if (!a.answered || a.response.result() == beast_http::status::service_unavailable) {
            self->svc_.node->ask_for_writer();
            if (!a.answered) spdlog::debug("forwarding to {} failed: {}", writer, a.error);
            return self->again(std::nullopt);
          }
          self->pass_back(std::move(a.response));
        });
  }

  // The writer's answer, unchanged but for the connection's own headers, once this node's
  // read model has its position.
  void pass_back(Response res) {
    res.erase(beast_http::field::connection);
    res.erase(beast_http::field::keep_alive);
    res.keep_alive(req_.keep_alive());
    res.prepare_payload();
    int64_t position = position_of(res);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    auto self = shared_from_this();
    auto answer = std::make_shared<Response>(std::move(res));
    svc_.read_position->wait(position, std::max(left, std::chrono::milliseconds(1)),
                             [self, answer](bool reached) {
                               if (reached) return self->finish(std::move(*answer));
                               self->give_up();
                             });
  }

  // Tries again after a pause, or gives up at the deadline. `last` is the answer to give
  // then, if the outcome is known (nothing was changed); otherwise it is unknown.
  void again(std::optional<Response> last) {
    if (Clock::now() + pause >= deadline_) {
      if (last) return finish(std::move(*last));
      return give_up();
    }
    auto self = shared_from_this();
    net::post(timer_.get_executor(), [self] {
      self->timer_.expires_after(pause);
      self->timer_.async_wait([self](boost::system::error_code ec) {
        if (!ec) self->attempt();
      });
    });
  }

  void give_up() {
    auto res = domain_error_response(
        req_, {events::DomainError::Kind::outcome_unknown,
               "no answer from the writer within 5 s: the change may or may not be recorded; "
               "retry with the same Idempotency-Key"});
    finish(std::move(res));
  }

  void finish(Response res) {
    if (done_.exchange(true)) return;
    if (res.result() == beast_http::status::service_unavailable) res.set("Idempotency-Key", key_);
    respond_(std::move(res));
  }

  Services svc_;
  const Request& req_;
  events::Command command_;
  SuccessAnswer success_;
  Respond respond_;
  std::string key_;
  Clock::time_point deadline_;
  net::steady_timer timer_;
  std::atomic<bool> done_{false};
};

}  // namespace

void relay_mutation(const Services& services, const Request& request, events::Command command,
                    SuccessAnswer success, Respond respond, std::string key) {
  std::make_shared<Relay>(services, request, std::move(command), std::move(success),
                          std::move(respond), std::move(key))
      ->attempt();
}

}  // namespace catalog::http
