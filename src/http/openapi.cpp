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
  // Headers every mutation and every read take (API.md, "Running as a cluster").
  if (d.mutation) {
    shared.push_back({"Idempotency-Key",
                      "header",
                      {{"type", "string"}, {"minLength", 1}, {"maxLength", 200}},
                      "A repeat with this key within 24 h gets the first answer again",
                      false});
  } else if (e.method == beast_http::verb::get) {
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
  json responses = json::object();
  for (const auto& r : d.replies) {
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
  if (d.mutation) op["security"] = json::array({json::object(), {{"bearer", json::array()}}});
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
      {"paths", std::move(paths)},
      {"components",
       {{"schemas", openapi_schemas()},
        {"securitySchemes",
         {{"bearer",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"description", "Needed for POST, PUT and DELETE while CATALOG_API_TOKEN is set"}}}}}}},
  };
}

}  // namespace catalog::http
