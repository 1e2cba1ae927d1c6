// The bot's side of the API: POST /telegram/webhook (Telegram's own secret header, no bearer
// token) and the administrators' GET /subscribers and DELETE /subscribers/{chat_id}. The
// notifier holds the subscribers; on a cluster, the writer's does, and the other nodes pass
// these requests on to it.
#include <charconv>
#include <nlohmann/json.hpp>

#include "cluster/forwarder.hpp"
#include "cluster/node_state.hpp"
#include "http/cluster_mutation.hpp"
#include "http/response.hpp"
#include "http/routes.hpp"
#include "http/secret_compare.hpp"

namespace catalog::http {

namespace {

using status = beast_http::status;

constexpr auto forward_timeout = std::chrono::seconds(5);

Response not_serving(const Request& req) {
  auto res = error_response(req, status::service_unavailable,
                            "the subscribers are not served here right now: retry");
  res.set(beast_http::field::retry_after, "1");
  return res;
}

// On a cluster node that is not the writer: the writer answers. True when it was passed on
// (or could not be).
bool passed_to_writer(const Services& svc, const Request& req, Respond& respond) {
  if (!svc.node || svc.node->role() == cluster::Role::writer) return false;
  auto writer = svc.node->writer_url();
  if (req.find(forwarded_header) != req.end() || !writer || *writer == svc.node->url()) {
    respond(not_serving(req));
    return true;
  }
  cluster::Forwarder::Request out = req;
  out.set(forwarded_header, svc.node->url());
  out.prepare_payload();
  svc.forwarder->send(*writer, std::move(out), forward_timeout,
                      [req, respond](cluster::Forwarder::Answer a) {
                        if (!a.answered) return respond(not_serving(req));
                        Response res = std::move(a.response);
                        res.erase(beast_http::field::connection);
                        res.erase(beast_http::field::keep_alive);
                        res.keep_alive(req.keep_alive());
                        res.prepare_payload();
                        respond(std::move(res));
                      });
  return true;
}

Response off(const Request& req) {
  return error_response(req, status::not_found,
                        "notifications are off: TELEGRAM_BOT_API_KEY is not set");
}

void webhook(const Services& svc, RouteContext& ctx, Respond respond) {
  const auto& req = ctx.request;
  auto given = req.find("X-Telegram-Bot-Api-Secret-Token");
  if (svc.webhook_secret.empty() || given == req.end() ||
      !constant_time_equal(given->value(), svc.webhook_secret))
    return respond(error_response(req, status::unauthorized,
                                  "X-Telegram-Bot-Api-Secret-Token is missing or wrong"));
  if (!svc.subscribers.update) return respond(off(req));
  if (passed_to_writer(svc, req, respond)) return;
  notify::BotUpdate update;
  try {
    update = notify::read_update(nlohmann::json::parse(req.body()));
  } catch (const nlohmann::json::exception&) {
    return respond(error_response(req, status::bad_request, "the body is not JSON"));
  } catch (const std::invalid_argument& ex) {
    return respond(error_response(req, status::bad_request, ex.what()));
  }
  svc.subscribers.update(std::move(update), [req, respond](bool handled) {
    respond(handled ? json_response(req, status::ok, "{}") : not_serving(req));
  });
}

}  // namespace

void add_subscriber_routes(Router& router, const Services& services) {
  auto svc = std::make_shared<const Services>(services);
  router.add(beast_http::verb::post, "/telegram/webhook",
             OperationDoc("subscribers", "Telegram's webhook")
                 .describe("Telegram posts the bot's updates here when TELEGRAM_WEBHOOK_SECRET "
                           "is set (the bot does not poll then). Needs the header "
                           "X-Telegram-Bot-Api-Secret-Token equal to that secret; no bearer "
                           "token. Answered once the command is carried out and stored.")
                 .param({"X-Telegram-Bot-Api-Secret-Token",
                         "header",
                         {{"type", "string"}},
                         "TELEGRAM_WEBHOOK_SECRET",
                         true})
                 .accepts("TelegramUpdate")
                 .returns(200, "Handled")
                 .fails({400, 401, 404, 503}),
             [svc](RouteContext& ctx, Respond respond) { webhook(*svc, ctx, std::move(respond)); });
  router.add(
      beast_http::verb::get, "/subscribers",
      OperationDoc("subscribers", "List the bot's subscribers")
          .describe("Every subscribed chat with its follows, alerts, position and "
                    "pending changes. Needs CATALOG_API_TOKEN to be set and sent.")
          .administrative()
          .returns(200, "The subscribers, ascending by chat id", "Subscriber", true)
          .fails({401, 503}),
      [svc](RouteContext& ctx, Respond respond) {
        const auto& req = ctx.request;
        if (!svc->subscribers.list) return respond(json_response(req, status::ok, "[]"));
        if (passed_to_writer(*svc, req, respond)) return;
        svc->subscribers.list([req, respond](std::optional<std::string> json) {
          respond(json ? json_response(req, status::ok, std::move(*json)) : not_serving(req));
        });
      });
  router.add(beast_http::verb::delete_, "/subscribers/{chat_id}",
             OperationDoc("subscribers", "Forget a subscriber")
                 .describe("Unsubscribes the chat and deletes everything stored about it, as "
                           "/stop does. Needs CATALOG_API_TOKEN to be set and sent.")
                 .param({"chat_id", "path", {{"type", "integer"}}, "Telegram's chat id", true})
                 .administrative()
                 .returns(204, "Forgotten")
                 .fails({401, 404, 422, 503}),
             [svc](RouteContext& ctx, Respond respond) {
               const auto& req = ctx.request;
               const std::string& text = ctx.path_ids.at(0);
               int64_t chat = 0;
               auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), chat);
               if (ec != std::errc() || end != text.data() + text.size())
                 return respond(parameter_error(req, "path", "chat_id",
                                                "Input should be a valid integer", "int_parsing"));
               auto missing = [req, text] {
                 return error_response(req, status::not_found, "Subscriber " + text + " not found");
               };
               if (!svc->subscribers.erase) return respond(missing());
               if (passed_to_writer(*svc, req, respond)) return;
               svc->subscribers.erase(chat, [req, respond, missing](std::optional<bool> erased) {
                 if (!erased) return respond(not_serving(req));
                 respond(*erased ? empty_response(req, status::no_content) : missing());
               });
             });
}

}  // namespace catalog::http
