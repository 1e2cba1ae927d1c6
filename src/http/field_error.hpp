// One entry of a 422 body, in FastAPI's shape:
// {"loc": ["body", "price_shmeckles"], "msg": "...", "type": "..."}.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace catalog::http {

struct FieldError {
  nlohmann::json loc;  // array: "body" or "query" or "path", then field names or indexes
  std::string msg;
  std::string type;
};

using FieldErrors = std::vector<FieldError>;

}  // namespace catalog::http
