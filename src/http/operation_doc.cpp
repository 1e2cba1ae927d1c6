#include "http/operation_doc.hpp"

namespace catalog::http {

namespace {

std::string error_text(int status) {
  switch (status) {
    case 400:
      return "Ambiguous framing (Content-Length with Transfer-Encoding)";
    case 401:
      return "Missing or wrong bearer token (while CATALOG_API_TOKEN is set)";
    case 404:
      return "Unknown id";
    case 409:
      return "The name is taken (compared case-insensitively)";
    case 412:
      return "If-Match does not match the current version";
    case 413:
      return "Body larger than 1 MiB";
    case 422:
      return "Invalid body or parameters, or a reference to a missing category or tag";
    case 503:
      return "The event log cannot be written or read right now; nothing was changed";
    default:
      return "Error";
  }
}

}  // namespace

OperationDoc&& OperationDoc::fails(std::initializer_list<int> statuses) && {
  for (int s : statuses) {
    std::string schema = "Detail";
    if (s == 422) schema = references ? "ValidationOrReferenceError" : "HTTPValidationError";
    std::string text = error_text(s);
    if (s == 401 && admin)
      text = "CATALOG_API_TOKEN is not set, or the bearer token is missing or wrong";
    replies.push_back({s, std::move(text), std::move(schema), false});
  }
  return std::move(*this);
}

OperationDoc&& OperationDoc::names_references() && {
  references = true;
  for (auto& r : replies) {
    if (r.status == 422) r.schema = "ValidationOrReferenceError";
  }
  return std::move(*this);
}

ParamDoc id_param(const std::string& what) {
  return {"id", "path", {{"type", "integer"}}, "The " + what + "'s id", true};
}

ParamDoc query_int(std::string name, std::string description, std::optional<int64_t> minimum,
                   std::optional<int64_t> maximum) {
  nlohmann::json schema{{"type", "integer"}};
  if (minimum) schema["minimum"] = *minimum;
  if (maximum) schema["maximum"] = *maximum;
  return {std::move(name), "query", std::move(schema), std::move(description), false};
}

ParamDoc query_number(std::string name, std::string description) {
  return {std::move(name), "query", {{"type", "number"}}, std::move(description), false};
}

ParamDoc query_string(std::string name, std::string description, std::vector<std::string> allowed) {
  nlohmann::json schema{{"type", "string"}};
  if (!allowed.empty()) schema["enum"] = allowed;
  return {std::move(name), "query", std::move(schema), std::move(description), false};
}

ParamDoc if_match_param() {
  return {"If-Match",
          "header",
          {{"type", "string"}},
          "\"<version>\": the change is made only if the entity is still at that version "
          "(412 otherwise)",
          false};
}

}  // namespace catalog::http
