// The component schemas of the OpenAPI document: the bodies of API.md.
#include "http/openapi.hpp"

namespace catalog::http {

using nlohmann::json;

namespace {

json nullable(json schema) {
  schema["nullable"] = true;
  return schema;
}

json name_schema() {
  return {{"type", "string"},
          {"minLength", 1},
          {"maxLength", 255},
          {"description", "Trimmed of surrounding white space; unique case-insensitively"}};
}

json price_schema(const char* currency) {
  return {{"type", "number"},
          {"minimum", 0},
          {"maximum", 1e12},
          {"description", std::string("Price in ") + currency}};
}

// A category or a tag as the API answers it.
json named_schema() {
  return {{"type", "object"},
          {"required", {"id", "name"}},
          {"properties", {{"id", {{"type", "integer"}}}, {"name", {{"type", "string"}}}}}};
}

json id_list() {
  return {{"type", "array"}, {"items", {{"type", "integer"}}}};
}

json product_fields(bool for_update) {
  json props{
      {"name", name_schema()},
      {"description", nullable({{"type", "string"}, {"maxLength", 10000}})},
      {"image_url", nullable({{"type", "string"}, {"format", "uri"}, {"maxLength", 2048}})},
      {"price_shmeckles", price_schema("shmeckles")},
      {"price_flurbos", price_schema("flurbos")},
      {"category_id", nullable({{"type", "integer"}})},
      {"tag_ids", id_list()},
  };
  json schema{{"type", "object"}, {"properties", std::move(props)}};
  if (!for_update) {
    schema["required"] = {"name", "price_shmeckles", "price_flurbos"};
  } else {
    schema["description"] =
        "Only the fields sent change; null clears description, image_url or category_id; "
        "tag_ids replaces the whole set";
  }
  return schema;
}

}  // namespace

json openapi_schemas() {
  json named = named_schema();
  json product{{"type", "object"},
               {"required",
                {"id", "name", "description", "image_url", "price_shmeckles", "price_flurbos",
                 "category_id", "category", "tags", "version", "created_at", "updated_at"}},
               {"properties",
                {{"id", {{"type", "integer"}}},
                 {"name", {{"type", "string"}}},
                 {"description", nullable({{"type", "string"}})},
                 {"image_url", nullable({{"type", "string"}})},
                 {"price_shmeckles", {{"type", "number"}}},
                 {"price_flurbos", {{"type", "number"}}},
                 {"category_id", nullable({{"type", "integer"}})},
                 // Named inline: OpenAPI 3.0 reads nothing beside a $ref, and a nullable allOf of
                 // a schema that is not nullable still forbids null.
                 {"category", nullable(named_schema())},
                 {"tags", {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/Named"}}}}},
                 {"version", {{"type", "integer"}, {"description", "Also the ETag"}}},
                 {"created_at", {{"type", "string"}, {"format", "date-time"}}},
                 {"updated_at", {{"type", "string"}, {"format", "date-time"}}}}}};
  json event{
      {"type", "object"},
      {"required", {"position", "type", "stream", "version", "data", "recorded_at", "hash"}},
      {"properties",
       {{"position", {{"type", "integer"}, {"description", "1, 2, 3, ... without gaps"}}},
        {"type",
         {{"type", "string"},
          {"enum",
           {"CategoryCreated", "CategoryRenamed", "CategoryDeleted", "TagCreated", "TagRenamed",
            "TagDeleted", "ProductCreated", "ProductUpdated", "ProductDeleted"}}}},
        {"stream", {{"type", "string"}, {"example", "product-1"}}},
        {"version", {{"type", "integer"}}},
        {"data", {{"type", "object"}}},
        {"recorded_at", {{"type", "string"}, {"format", "date-time"}}},
        {"hash",
         {{"type", "string"},
          {"description", "hex SHA-256 of this event chained to the previous one"}}}}}};
  json verify{{"type", "object"},
              {"required", {"ok"}},
              {"properties",
               {{"ok", {{"type", "boolean"}}},
                {"events", {{"type", "integer"}}},
                {"position",
                 {{"type", "integer"},
                  {"description", "The head position; when not ok, the first that fails"}}},
                {"head", {{"type", "string"}, {"description", "The head hash"}}},
                {"problem", {{"type", "string"}}},
                {"head_position", {{"type", "integer"}}}}}};
  json detail{{"type", "object"},
              {"required", {"detail"}},
              {"properties", {{"detail", {{"type", "string"}}}}}};
  // FastAPI's: loc is where, e.g. ["body", "price_shmeckles"], or ["body", 12] for the
  // offset at which the JSON does not parse.
  json field_error{
      {"type", "object"},
      {"required", {"loc", "msg", "type"}},
      {"properties",
       {{"loc",
         {{"type", "array"},
          {"items", {{"anyOf", json::array({{{"type", "string"}}, {{"type", "integer"}}})}}}}},
        {"msg", {{"type", "string"}}},
        {"type", {{"type", "string"}}}}}};
  json field_errors{{"type", "array"},
                    {"items", {{"$ref", "#/components/schemas/ValidationError"}}}};
  json validation{
      {"type", "object"}, {"required", {"detail"}}, {"properties", {{"detail", field_errors}}}};
  json reference{
      {"type", "object"},
      {"required", {"detail"}},
      {"description",
       "The field list of HTTPValidationError, or a sentence naming a category_id or tag id "
       "that does not exist"},
      {"properties",
       {{"detail",
         {{"oneOf",
           json::array({field_errors, {{"type", "string"}, {"example", "Tag 7 not found"}}})}}}}}};
  json health{{"type", "object"},
              {"required", {"status", "position", "role"}},
              {"properties",
               {{"status", {{"type", "string"}, {"example", "ok"}}},
                {"position", {{"type", "integer"}}},
                {"role",
                 {{"type", "string"},
                  {"enum", {"writer", "follower", "catching-up", "disconnected", "forked"}}}},
                {"problem", {{"type", "string"}}}}}};
  json node{{"type", "object"},
            {"properties",
             {{"url", {{"type", "string"}}},
              {"role", {{"type", "string"}}},
              {"position", {{"type", "integer"}}},
              {"seen_at", {{"type", "string"}, {"format", "date-time"}}}}}};
  json cluster{{"type", "object"},
               {"required", {"node", "role", "writer", "position", "log_head", "nodes"}},
               {"properties",
                {{"node", {{"type", "string"}, {"example", "http://10.0.0.5:8000"}}},
                 {"role", {{"type", "string"}, {"enum", {"writer", "follower", "disconnected"}}}},
                 {"writer", {{"type", "string"}, {"nullable", true}}},
                 {"position", {{"type", "integer"}}},
                 {"log_head", {{"type", "integer"}}},
                 {"nodes", {{"type", "array"}, {"items", std::move(node)}}}}}};
  json follow{{"type", "object"},
              {"properties",
               {{"kind", {{"type", "string"}, {"enum", {"category", "tag", "product"}}}},
                {"id", {{"type", "integer"}}}}}};
  json alert{{"type", "object"},
             {"properties",
              {{"product_id", {{"type", "integer"}}}, {"price_shmeckles", {{"type", "number"}}}}}};
  json subscriber{
      {"type", "object"},
      {"properties",
       {{"chat_id", {{"type", "integer"}}},
        {"follows", {{"type", "array"}, {"items", std::move(follow)}}},
        {"alerts", {{"type", "array"}, {"items", std::move(alert)}}},
        {"position", {{"type", "integer"}, {"description", "The last position delivered"}}},
        {"pending", {{"type", "integer"}, {"description", "Changes waiting for the chat"}}}}}};
  json update{
      {"type", "object"},
      {"required", {"update_id"}},
      {"description", "A Telegram Update; only new text messages are read"},
      {"properties", {{"update_id", {{"type", "integer"}}}, {"message", {{"type", "object"}}}}}};
  json schemas{
      {"Subscriber", std::move(subscriber)},
      {"TelegramUpdate", std::move(update)},
      {"Named", std::move(named)},
      {"NameIn",
       {{"type", "object"}, {"required", {"name"}}, {"properties", {{"name", name_schema()}}}}},
      {"Product", std::move(product)},
      {"ProductCreate", product_fields(false)},
      {"ProductUpdate", product_fields(true)},
      {"Event", std::move(event)},
      {"VerifyReport", std::move(verify)},
      {"Health", std::move(health)},
      {"HealthUnavailable",
       {{"description",
         "A cluster node that is not ready answers its Health (status unavailable, with the "
         "problem); a single node whose log cannot be read, or a read whose "
         "Catalog-Min-Position is not reached, answers {\"detail\"}"},
        {"oneOf", json::array({{{"$ref", "#/components/schemas/Health"}},
                               {{"$ref", "#/components/schemas/Detail"}}})}}},
      {"Cluster", std::move(cluster)},
      {"Detail", std::move(detail)},
      {"ValidationError", std::move(field_error)},
      {"HTTPValidationError", std::move(validation)},
      {"ValidationOrReferenceError", std::move(reference)},
  };
  schemas.update(audit_proof_schemas());
  return schemas;
}

}  // namespace catalog::http
