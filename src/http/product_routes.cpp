// Products: CRUD and the filtered list.
#include "events/event_store.hpp"
#include "http/command_answer.hpp"
#include "http/if_match.hpp"
#include "http/json_render.hpp"
#include "http/path_id.hpp"
#include "http/product_filter_parser.hpp"
#include "http/query_readers.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"
#include "http/routes.hpp"
#include "projections/as_of.hpp"
#include "projections/read_model.hpp"

namespace catalog::http {

namespace {

using beast_http::status;
using beast_http::verb;
using events::Resource;

Response product_answer(const Request& req, const events::ProductView& v, status code) {
  auto res = json_response(req, code, render(v));
  set_etag(res, v.version);
  return res;
}

Response cached_answer(const Request& req, const projections::CachedProduct& p) {
  auto res = json_response(req, status::ok, p.json);
  set_etag(res, p.version);
  return res;
}

// The product now, from the cache or else read, rendered and offered to the cache.
std::shared_ptr<const projections::CachedProduct> current_product(const Services& svc,
                                                                  events::Id id) {
  if (svc.products) {
    if (auto hit = svc.products->find(id)) return hit;
  }
  int64_t position = -1;
  auto found = projections::ReadModel(*svc.reads).product(id, &position);
  if (!found) return nullptr;
  auto rendered = render(*found, position);
  if (svc.products) svc.products->insert(id, rendered);
  return rendered;
}

OperationDoc list_doc() {
  return OperationDoc("products", "List products")
      .describe(
          "Filters combine with AND. The header X-Total-Count gives the number of matches "
          "before skip and limit.")
      .param(query_string("name", "Case-insensitive substring of the name, in any script"))
      .param(query_int("category_id", "Only this category's products"))
      .param(query_string("tag_ids", "Comma-separated tag ids: products with any of them"))
      .param(query_string("tag_match", "all: products with every tag of tag_ids", {"any", "all"}))
      .param(query_number("min_price_shmeckles", "Inclusive lower bound"))
      .param(query_number("max_price_shmeckles", "Inclusive upper bound"))
      .param(query_number("min_price_flurbos", "Inclusive lower bound"))
      .param(query_number("max_price_flurbos", "Inclusive upper bound"))
      .param(query_int("skip", "Matches to skip", 0))
      .param(query_int("limit", "At most this many (default 100)", 1, 1000))
      .param(query_string(
          "sort", "A key, or -key for descending; ties by id",
          {"id", "-id", "name", "-name", "price_shmeckles", "-price_shmeckles", "price_flurbos",
           "-price_flurbos", "created_at", "-created_at", "updated_at", "-updated_at"}))
      .returns(200, "The page of products", "Product", true)
      .fails({422});
}

}  // namespace

void add_product_routes(Router& router, const Services& svc) {
  router.add(verb::get, "/products/", list_doc(), [svc](RouteContext& ctx, Respond respond) {
    auto filter = parse_product_filter(ctx.query);
    if (auto* errors = std::get_if<FieldErrors>(&filter)) {
      respond(validation_response(ctx.request, *errors));
      return;
    }
    projections::ReadModel reads(*svc.reads, svc.filters, svc.products);
    auto page = reads.products(std::get<projections::ProductFilter>(filter));
    auto res = json_response(ctx.request, status::ok, render(page, svc.products));
    res.set("X-Total-Count", std::to_string(page.total));
    respond(std::move(res));
  });

  router.add(verb::post, "/products/",
             OperationDoc("products", "Create a product")
                 .request("ProductCreate")
                 .names_references()
                 .returns(201, "The product; Location and ETag: \"1\"", "Product")
                 .fails({401, 413, 422, 503}),
             [svc](RouteContext& ctx, Respond respond) {
               auto fields = parse_product_create(ctx.request.body());
               if (auto* errors = std::get_if<FieldErrors>(&fields)) {
                 respond(validation_response(ctx.request, *errors));
                 return;
               }
               submit_command(
                   svc, ctx,
                   events::CreateProduct{std::get<events::ProductFields>(std::move(fields))},
                   [](const Request& req, const events::Outcome& o) {
                     const auto& v = std::get<events::ProductView>(o);
                     auto res = product_answer(req, v, status::created);
                     res.set(beast_http::field::location, "/products/" + std::to_string(v.id));
                     return res;
                   },
                   std::move(respond));
             });

  router.add(verb::get, "/products/{id}",
             OperationDoc("products", "Get a product")
                 .param(id_param("product"))
                 .param(query_int("as_of",
                                  "The product as it stood right after this position of the "
                                  "event log, with its category and tags as they stood then",
                                  0))
                 .returns(200, "The product; ETag: \"<version>\"", "Product")
                 .fails({404, 422}),
             [svc](RouteContext& ctx, Respond respond) {
               auto id = path_id(ctx, 0, Resource::product, respond);
               if (!id) return;
               FieldErrors errors;
               auto as_of = read_bounded_int(ctx.query, "as_of", -1, 0, INT64_MAX, errors);
               if (!errors.empty()) {
                 respond(validation_response(ctx.request, errors));
                 return;
               }
               auto not_found = [&] {
                 respond(error_response(ctx.request, status::not_found,
                                        not_found_detail(Resource::product, std::to_string(*id))));
               };
               if (as_of >= 0) {
                 // Folded from the log, not read from the tables, which only know the present.
                 events::EventStore store(svc.reads->get());
                 auto found = projections::product_as_of(store, *id, as_of);
                 if (!found) return not_found();
                 respond(product_answer(ctx.request, *found, status::ok));
                 return;
               }
               auto now = current_product(svc, *id);
               if (!now) return not_found();
               respond(cached_answer(ctx.request, *now));
             });

  router.add(verb::put, "/products/{id}",
             OperationDoc("products", "Change a product")
                 .describe("Partial: fields left out keep their value. A change that changes "
                           "nothing answers 200 and records no event.")
                 .param(id_param("product"))
                 .param(if_match_param())
                 .request("ProductUpdate")
                 .names_references()
                 .returns(200, "The product as it now is", "Product")
                 .fails({401, 404, 412, 413, 422, 503}),
             [svc](RouteContext& ctx, Respond respond) {
               auto id = path_id(ctx, 0, Resource::product, respond);
               if (!id) return;
               auto patch = parse_product_update(ctx.request.body());
               if (auto* errors = std::get_if<FieldErrors>(&patch)) {
                 respond(validation_response(ctx.request, *errors));
                 return;
               }
               submit_command(
                   svc, ctx,
                   events::UpdateProduct{*id, std::get<events::ProductPatch>(std::move(patch)),
                                         expected_version(ctx.request)},
                   [](const Request& req, const events::Outcome& o) {
                     return product_answer(req, std::get<events::ProductView>(o), status::ok);
                   },
                   std::move(respond));
             });

  router.add(verb::delete_, "/products/{id}",
             OperationDoc("products", "Delete a product")
                 .param(id_param("product"))
                 .param(if_match_param())
                 .mutating()
                 .returns(204, "Deleted")
                 .fails({401, 404, 412, 422, 503}),
             [svc](RouteContext& ctx, Respond respond) {
               auto id = path_id(ctx, 0, Resource::product, respond);
               if (!id) return;
               submit_command(
                   svc, ctx, events::DeleteProduct{*id, expected_version(ctx.request)},
                   [](const Request& req, const events::Outcome&) {
                     return empty_response(req, status::no_content);
                   },
                   std::move(respond));
             });
}

}  // namespace catalog::http
