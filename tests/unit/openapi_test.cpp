// The OpenAPI document and the router cannot drift: the document is checked against the
// routes the service really serves.
#include "http/openapi.hpp"

#include <catch2/catch.hpp>
#include <set>

#include "http/routes.hpp"

using namespace catalog::http;
using nlohmann::json;

namespace {

Router service_router() {
  static Services none;  // the handlers are never called here
  return make_router(none);
}

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TEST_CASE("every route of the router is in the OpenAPI document, and nothing else", "[openapi]") {
  Router router = service_router();
  json doc = openapi_document(router);
  std::set<std::pair<std::string, std::string>> routes, documented;
  for (const auto& e : router.entries())
    routes.insert({e.route, lower(std::string(boost::beast::http::to_string(e.method)))});
  for (const auto& [path, ops] : doc["paths"].items()) {
    for (const auto& [method, op] : ops.items())
      documented.insert({path, method});
  }
  CHECK(routes == documented);
}

TEST_CASE("every operation says what it answers and every reference resolves", "[openapi]") {
  json doc = openapi_document(service_router());
  CHECK(doc["openapi"].get<std::string>().rfind("3.", 0) == 0);
  const json& schemas = doc["components"]["schemas"];
  std::set<std::string> ids;
  std::function<void(const json&)> check_refs = [&](const json& j) {
    if (j.is_object()) {
      if (auto ref = j.find("$ref"); ref != j.end()) {
        std::string name =
            ref->get<std::string>().substr(std::string("#/components/schemas/").size());
        CHECK(schemas.contains(name));
      }
      for (const auto& [k, v] : j.items())
        check_refs(v);
    } else if (j.is_array()) {
      for (const auto& v : j)
        check_refs(v);
    }
  };
  for (const auto& [path, ops] : doc["paths"].items()) {
    for (const auto& [method, op] : ops.items()) {
      INFO(method << " " << path);
      CHECK_FALSE(op["summary"].get<std::string>().empty());
      CHECK_FALSE(op["responses"].empty());
      CHECK(ids.insert(op["operationId"].get<std::string>()).second);
      // Every {id} in the path is a documented path parameter.
      if (path.find("{id}") != std::string::npos) {
        bool has_id = false;
        for (const auto& p : op["parameters"])
          has_id |= p["in"] == "path" && p["name"] == "id";
        CHECK(has_id);
      }
      check_refs(op);
    }
  }
}

TEST_CASE("mutations document the token, the conflict and validation answers", "[openapi]") {
  json doc = openapi_document(service_router());
  const json& create = doc["paths"]["/products/"]["post"];
  CHECK(create["requestBody"]["content"]["application/json"]["schema"]["$ref"] ==
        "#/components/schemas/ProductCreate");
  for (const char* status : {"201", "401", "422"})
    CHECK(create["responses"].contains(status));
  CHECK(create.contains("security"));
  CHECK(doc["paths"]["/categories/"]["post"]["responses"].contains("409"));
  CHECK_FALSE(doc["paths"]["/products/"]["get"].contains("security"));
}
