// The history for auditors: the log by position and by stream, entity histories and the
// audit of the whole log.
#include "events/event_store.hpp"
#include "events/store/postgres_log.hpp"
#include "http/json_render.hpp"
#include "http/path_id.hpp"
#include "http/query_readers.hpp"
#include "http/response.hpp"
#include "http/routes.hpp"
#include "http/sse_stream.hpp"
#include "projections/verify.hpp"

namespace catalog::http {

namespace {

using beast_http::status;
using beast_http::verb;
using events::Resource;

constexpr int64_t max_page = 1000;

struct Page {
  int64_t after = 0;
  int64_t limit = 0;
};

// `after` (an integer >= 0; past the head gives an empty page) and `limit` (1..1000).
std::optional<Page> read_page(const RouteContext& ctx, int64_t default_limit, Respond& respond) {
  FieldErrors errors;
  Page page;
  page.after = read_bounded_int(ctx.query, "after", 0, 0, INT64_MAX, errors);
  page.limit = read_bounded_int(ctx.query, "limit", default_limit, 1, max_page, errors);
  if (!errors.empty()) {
    respond(validation_response(ctx.request, errors));
    return std::nullopt;
  }
  return page;
}

ParamDoc after_param() {
  return query_int("after", "Only events after this position", 0);
}

ParamDoc limit_param(int64_t fallback) {
  return query_int("limit", "At most this many (default " + std::to_string(fallback) + ")", 1,
                   max_page);
}

void add_history_route(Router& router, const Services& svc, Resource kind, std::string base) {
  std::string what(events::resource_name(kind));
  router.add(
      verb::get, base + "/{id}/history",
      OperationDoc("events", "The " + what + "'s events")
          .describe("Its whole stream, the deletion included.")
          .param(id_param(what))
          .param(after_param())
          .param(limit_param(max_page))
          .returns(200, "Events in stream order", "Event", true)
          .fails({404, 422}),
      [svc, kind](RouteContext& ctx, Respond respond) {
        auto id = path_id(ctx, 0, kind, respond);
        if (!id) return;
        auto page = read_page(ctx, max_page, respond);
        if (!page) return;
        events::EventStore store(svc.reads->get());
        auto history = store.read_stream(events::stream_name(kind, *id), page->after, page->limit);
        // A stream without events never existed; one whose last event is a deletion still
        // has its history.
        if (history.empty() && store.read_stream(events::stream_name(kind, *id), 0, 1).empty()) {
          respond(error_response(ctx.request, status::not_found,
                                 not_found_detail(kind, std::to_string(*id))));
          return;
        }
        respond(json_response(ctx.request, status::ok, render(history)));
      });
}

// `?position=N&hash=H`, a digest kept from an earlier verify; both or neither.
std::optional<projections::Digest> read_digest(const QueryParams& query, FieldErrors& errors) {
  auto position = read_bounded_int(query, "position", 0, 1, INT64_MAX, errors);
  auto hash = last(query, "hash");
  if (!errors.empty()) return std::nullopt;
  bool has_position = last(query, "position").has_value();
  if (has_position != hash.has_value()) {
    errors.push_back({query_loc(has_position ? "hash" : "position"),
                      "position and hash go together: give both or neither",
                      "value_error.missing"});
  }
  if (!has_position || !errors.empty()) return std::nullopt;
  return projections::Digest{position, *hash};
}

}  // namespace

void add_event_routes(Router& router, const Services& svc) {
  router.add(verb::get, "/events",
             OperationDoc("events", "Read the event log")
                 .describe("Paging is by position: pass the last position you got as after.")
                 .param(after_param())
                 .param(limit_param(100))
                 .param(query_string("stream", "Only this stream, e.g. product-1"))
                 .returns(200, "Events with position > after, ascending", "Event", true)
                 .fails({422}),
             [svc](RouteContext& ctx, Respond respond) {
               auto page = read_page(ctx, 100, respond);
               if (!page) return;
               events::EventStore store(svc.reads->get());
               auto stream = last(ctx.query, "stream");
               auto list = stream ? store.read_stream(*stream, page->after, page->limit)
                                  : store.read_after(page->after, page->limit);
               respond(json_response(ctx.request, status::ok, render(list)));
             });

  router.add(
      verb::get, "/events/stream",
      OperationDoc("events", "Follow the event log (server-sent events)")
          .describe("The events after `after` (or after the Last-Event-ID header), then "
                    "live ones as they commit; each message's id is its position. A "
                    "comment line every 15 s keeps the stream open.")
          .param(after_param())
          .param({"Last-Event-ID",
                  "header",
                  {{"type", "integer"}},
                  "Resume after this position (wins over after)",
                  false})
          .returns_media(200, "The stream", "text/event-stream")
          .fails({422}),
      [svc](RouteContext& ctx, Respond respond) {
        // A reconnecting EventSource sends the id of the last event it got: resume after it.
        FieldErrors errors;
        int64_t after = read_bounded_int(ctx.query, "after", 0, 0, INT64_MAX, errors);
        if (auto resume = ctx.request.find("Last-Event-ID"); resume != ctx.request.end()) {
          auto id = parse_number<int64_t>(resume->value());
          if (id && *id >= 0) {
            after = *id;
          } else {
            errors.push_back({nlohmann::json::array({"header", "last-event-id"}),
                              "value is not a valid integer", "type_error.integer"});
          }
        }
        if (!errors.empty() || !ctx.take_connection) {
          respond(errors.empty() ? error_response(ctx.request, status::internal_server_error,
                                                  "event streams need a connection")
                                 : validation_response(ctx.request, errors));
          return;
        }
        ctx.take_connection([svc, after](boost::beast::tcp_stream&& stream,
                                         std::shared_ptr<ConnectionCount> count) {
          std::make_shared<SseStream>(std::move(stream), svc, after, std::move(count))->start();
        });
      });

  add_history_route(router, svc, Resource::category, "/categories");
  add_history_route(router, svc, Resource::tag, "/tags");
  add_history_route(router, svc, Resource::product, "/products");

  router.add(
      verb::get, "/audit/verify",
      OperationDoc("events", "Verify the log and the read model")
          .describe("Recomputes the hash chain and compares the read model with a replay "
                    "of the log. With position and hash (a digest kept from an earlier "
                    "answer), also proves the log up to that position is unchanged.")
          .param(query_int("position", "Position of a kept digest", 1))
          .param(query_string("hash", "Head hash of that digest"))
          .returns(200, "The report; ok is false with the first failing position", "VerifyReport")
          .fails({422, 503}),
      [svc](RouteContext& ctx, Respond respond) {
        FieldErrors errors;
        auto digest = read_digest(ctx.query, errors);
        if (!errors.empty()) {
          respond(validation_response(ctx.request, errors));
          return;
        }
        // The audit reads the whole log: it runs off the io threads, on a connection of its
        // own, inside one read transaction that writers do not wait for.
        const Request* req = &ctx.request;
        svc.run_blocking([path = svc.database_path, shared_url = svc.postgres_url, digest, req,
                          respond]() mutable {
          try {
            db::Connection conn(path, db::OpenMode::read_only);
            // On a cluster node: the shared log's chain, and this node's copy against it.
            std::unique_ptr<events::store::PostgresLog> shared;
            if (!shared_url.empty()) {
              shared = std::make_unique<events::store::PostgresLog>(shared_url, false);
              shared->connect();
            }
            auto report = projections::verify(conn, digest, {}, shared.get());
            respond(json_response(*req, status::ok, projections::to_json(report).dump()));
          } catch (const std::exception& ex) {
            respond(
                error_response(*req, status::service_unavailable,
                               std::string("the audit could not read the database: ") + ex.what()));
          }
        });
      });
}

}  // namespace catalog::http
