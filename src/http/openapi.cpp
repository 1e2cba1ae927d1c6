#include "http/openapi.hpp"

#include <algorithm>
#include <cctype>

namespace catalog::http {

using nlohmann::json;

namespace {

json schema_ref(const std::string& component) {
  return {{"$ref", "#/components/schemas/" + component}};
}

// "get /products/{id}/history" -> "get_products_id_history": stable and unique.
std::string operation_id(beast_http::verb method, const std::string& route) {
  std::string id(beast_http::to_string(method));
  std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
  for (char c : route) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      id += c;
    } else if (id.back() != '_') {
      id += '_';
    }
  }
  while (id.back() == '_')
    id.pop_back();
  return id;
}

json operation(const Router::Entry& e) {
  const auto& d = e.doc;
  json op{{"operationId", operation_id(e.method, e.route)},
          {"summary", d.summary},
          {"tags", json::array({d.tag})}};
  if (!d.description.empty()) op["description"] = d.description;
  json params = json::array();
  auto shared = d.params;
  // Headers every mutation and every read take (API.md, "Running as a cluster"). The
  // administrative routes are no commands of the log: they keep no Idempotency-Key.
  if (d.mutation && !d.admin) {
    shared.push_back({"Idempotency-Key",
                      "header",
                      {{"type", "string"},
                       {"minLength", 1},
                       {"maxLength", 200},
                       {"pattern", "^[!-~]+$"}},  // visible ASCII
                      "A repeat with this key within 24 h gets the first answer again",
                      false});
  }
  if (e.method == beast_http::verb::get) {
    shared.push_back(
        {"Catalog-Min-Position",
         "header",
         {{"type", "integer"}, {"minimum", 0}},
         "Answer once this node's read model has reached this position (503 after 5 s)",
         false});
  }
  for (const auto& p : shared) {
    json param{{"name", p.name}, {"in", p.in}, {"required", p.required}, {"schema", p.schema}};
    if (!p.description.empty()) param["description"] = p.description;
    params.push_back(std::move(param));
  }
  if (!params.empty()) op["parameters"] = std::move(params);
  if (!d.body.empty()) {
    op["requestBody"] = {{"required", true},
                         {"content", {{"application/json", {{"schema", schema_ref(d.body)}}}}}};
  }
  auto replies = d.replies;
  // The server answers Catalog-Min-Position itself, before the route: on every GET.
  if (e.method == beast_http::verb::get) {
    auto documented = [&](int status) {
      return std::any_of(replies.begin(), replies.end(),
                         [status](const ReplyDoc& r) { return r.status == status; });
    };
    if (!documented(422))
      replies.push_back(
          {422, "Catalog-Min-Position is not a non-negative integer", "HTTPValidationError"});
    if (!documented(503))
      replies.push_back(
          {503, "This node has not reached Catalog-Min-Position within 5 s; retry", "Detail"});
  }
  json responses = json::object();
  for (const auto& r : replies) {
    json reply{{"description", r.description}};
    if (!r.schema.empty()) {
      json schema =
          r.list ? json{{"type", "array"}, {"items", schema_ref(r.schema)}} : schema_ref(r.schema);
      reply["content"] = {{r.media, {{"schema", std::move(schema)}}}};
    } else if (r.media != "application/json") {
      reply["content"] = {{r.media, {{"schema", {{"type", "string"}}}}}};
    }
    responses[std::to_string(r.status)] = std::move(reply);
  }
  op["responses"] = std::move(responses);
  // The document's default is no security at all (the root's `security: []`). A mutation
  // needs the token only while CATALOG_API_TOKEN is set (so {} is one of its choices); an
  // administrative route always does.
  if (d.admin) {
    op["security"] = json::array({{{"bearer", json::array()}}});
  } else if (d.mutation) {
    op["security"] = json::array({json::object(), {{"bearer", json::array()}}});
  }
  return op;
}

}  // namespace

json openapi_document(const Router& router) {
  json paths = json::object();
  for (const auto& e : router.entries()) {
    std::string method(beast_http::to_string(e.method));
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    paths[e.route][method] = operation(e);
  }
  return {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "Catalog"},
        {"version", "1.0"},
        {"description",
         "An event-sourced product catalog: categories, tags and products priced in shmeckles "
         "and flurbos. Every change is an event in an append-only, hash-chained log."}}},
      // Relative: the server that serves this document, under any name or address.
      {"servers", json::array({{{"url", "/"}, {"description", "This server"}}})},
      // Operations that need the bearer token say so themselves; the rest need nothing.
      {"security", json::array()},
      {"paths", std::move(paths)},
      {"components",
       {{"schemas", openapi_schemas()},
        {"securitySchemes",
         {{"bearer",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"description",
             "CATALOG_API_TOKEN. POST, PUT and DELETE need it while it is set; the "
             "administrative routes (the bot's subscribers) need it set and sent"}}}}}}},
  };
}

}  // namespace catalog::http
