// Categories and tags: the same routes over two resources.
#include "http/command_answer.hpp"
#include "http/if_match.hpp"
#include "http/json_render.hpp"
#include "http/path_id.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"
#include "http/routes.hpp"
#include "projections/read_model.hpp"

namespace catalog::http {

namespace {

using beast_http::status;
using beast_http::verb;
using events::Resource;

std::string collection_path(Resource kind) {
  return kind == Resource::category ? "/categories" : "/tags";
}

std::string plural(Resource kind) {
  return kind == Resource::category ? "categories" : "tags";
}

Response named_answer(const Request& req, const events::NamedView& v, status code) {
  auto res = json_response(req, code, render(v));
  set_etag(res, v.version);
  return res;
}

}  // namespace

void add_named_routes(Router& router, const Services& svc, Resource kind) {
  const std::string base = collection_path(kind);
  const std::string item = base + "/{id}";
  const std::string what(events::resource_name(kind));
  const std::string tag = plural(kind);

  router.add(verb::get, base + "/",
             OperationDoc(tag, "List " + tag).returns(200, "Ordered by id", "Named", true),
             [svc, kind](RouteContext& ctx, Respond respond) {
               projections::ReadModel reads(svc.reads->get());
               respond(json_response(ctx.request, status::ok, render(reads.list_named(kind))));
             });

  router.add(verb::post, base + "/",
             OperationDoc(tag, "Create a " + what)
                 .request("NameIn")
                 .returns(201, "The new " + what + "; Location and ETag headers", "Named")
                 .fails({401, 409, 413, 422, 503}),
             [svc, kind, base](RouteContext& ctx, Respond respond) {
               auto name = parse_name_body(ctx.request.body());
               if (auto* errors = std::get_if<FieldErrors>(&name)) {
                 respond(validation_response(ctx.request, *errors));
                 return;
               }
               submit_command(
                   svc, ctx, events::CreateNamed{kind, std::get<std::string>(std::move(name))},
                   [base](const Request& req, const events::Outcome& o) {
                     const auto& v = std::get<events::NamedView>(o);
                     auto res = named_answer(req, v, status::created);
                     res.set(beast_http::field::location, base + "/" + std::to_string(v.id));
                     return res;
                   },
                   std::move(respond));
             });

  router.add(verb::get, item,
             OperationDoc(tag, "Get a " + what)
                 .param(id_param(what))
                 .returns(200, "The " + what + "; ETag header", "Named")
                 .fails({404, 422}),
             [svc, kind](RouteContext& ctx, Respond respond) {
               auto id = path_id(ctx, 0, kind, respond);
               if (!id) return;
               projections::ReadModel reads(svc.reads->get());
               auto found = reads.named(kind, *id);
               if (!found) {
                 respond(error_response(ctx.request, status::not_found,
                                        not_found_detail(kind, std::to_string(*id))));
                 return;
               }
               respond(named_answer(ctx.request, *found, status::ok));
             });

  router.add(verb::put, item,
             OperationDoc(tag, "Rename a " + what)
                 .param(id_param(what))
                 .param(if_match_param())
                 .request("NameIn")
                 .returns(200, "The renamed " + what, "Named")
                 .fails({401, 404, 409, 412, 413, 422, 503}),
             [svc, kind](RouteContext& ctx, Respond respond) {
               auto id = path_id(ctx, 0, kind, respond);
               if (!id) return;
               auto name = parse_name_body(ctx.request.body());
               if (auto* errors = std::get_if<FieldErrors>(&name)) {
                 respond(validation_response(ctx.request, *errors));
                 return;
               }
               submit_command(
                   svc, ctx,
                   events::RenameNamed{kind, *id, std::get<std::string>(std::move(name)),
                                       expected_version(ctx.request)},
                   [](const Request& req, const events::Outcome& o) {
                     return named_answer(req, std::get<events::NamedView>(o), status::ok);
                   },
                   std::move(respond));
             });

  router.add(verb::delete_, item,
             OperationDoc(tag, "Delete a " + what)
                 .describe(kind == Resource::category
                               ? "Its products keep existing, with category_id null."
                               : "The tag is removed from every product that had it.")
                 .param(id_param(what))
                 .param(if_match_param())
                 .mutating()
                 .returns(204, "Deleted")
                 .fails({401, 404, 412, 422, 503}),
             [svc, kind](RouteContext& ctx, Respond respond) {
               auto id = path_id(ctx, 0, kind, respond);
               if (!id) return;
               submit_command(
                   svc, ctx, events::DeleteNamed{kind, *id, expected_version(ctx.request)},
                   [](const Request& req, const events::Outcome&) {
                     return empty_response(req, status::no_content);
                   },
                   std::move(respond));
             });
}

}  // namespace catalog::http
