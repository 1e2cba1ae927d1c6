// What a route does, written next to the route itself: the OpenAPI document is built from
// these, so the document and the router cannot drift apart.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace catalog::http {

struct ParamDoc {
  std::string name;
  std::string in;  // "path", "query" or "header"
  nlohmann::json schema;
  std::string description;
  bool required = false;
};

struct ReplyDoc {
  int status;
  std::string description;
  std::string schema;  // a component name, "" for no body
  bool list = false;   // a JSON array of `schema`
  std::string media = "application/json";
};

struct OperationDoc {
  std::string tag;
  std::string summary;
  std::string description;
  std::vector<ParamDoc> params;
  std::string body;  // the component name of the JSON request body, "" for none
  std::vector<ReplyDoc> replies;
  bool mutation = false;    // needs the bearer token while CATALOG_API_TOKEN is set
  bool admin = false;       // needs CATALOG_API_TOKEN set, and the bearer token sent
  bool references = false;  // see names_references()

  OperationDoc(std::string tag_, std::string summary_)
      : tag(std::move(tag_)), summary(std::move(summary_)) {}
  OperationDoc&& describe(std::string text) && {
    description = std::move(text);
    return std::move(*this);
  }
  OperationDoc&& param(ParamDoc p) && {
    params.push_back(std::move(p));
    return std::move(*this);
  }
  OperationDoc&& request(std::string component) && {
    body = std::move(component);
    mutation = true;
    return std::move(*this);
  }
  // A JSON body for a route that needs no bearer token (the webhook has its own secret).
  OperationDoc&& accepts(std::string component) && {
    body = std::move(component);
    return std::move(*this);
  }
  OperationDoc&& administrative() && {
    admin = true;
    mutation = true;
    return std::move(*this);
  }
  OperationDoc&& mutating() && {
    mutation = true;
    return std::move(*this);
  }
  OperationDoc&& returns(int status, std::string what, std::string component = "",
                         bool list = false) && {
    replies.push_back({status, std::move(what), std::move(component), list});
    return std::move(*this);
  }
  OperationDoc&& returns_media(int status, std::string what, std::string media) && {
    replies.push_back({status, std::move(what), "", false, std::move(media)});
    return std::move(*this);
  }
  // Error answers, each with API.md's body: 422 the field list, the others {"detail"}.
  OperationDoc&& fails(std::initializer_list<int> statuses) &&;
  // The body names a category or tags: its 422 may also be {"detail": "<sentence>"} naming
  // an id that does not exist (API.md). Before or after fails(), either way.
  OperationDoc&& names_references() &&;
};

// Parameters that many routes share.
ParamDoc id_param(const std::string& what);
ParamDoc query_int(std::string name, std::string description, std::optional<int64_t> minimum = {},
                   std::optional<int64_t> maximum = {});
ParamDoc query_number(std::string name, std::string description);
ParamDoc query_string(std::string name, std::string description,
                      std::vector<std::string> allowed = {});
ParamDoc if_match_param();

}  // namespace catalog::http
