// The service's answers as `catalog audit check` reads them: each field checked for the shape
// API.md gives it before anything is computed from it, and a failure that says which answer
// was wrong. Nothing here trusts a value because the service sent it.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/http_call.hpp"
#include "merkle/tree.hpp"

namespace catalog::app {

// A check that did not hold; its message is what the auditor reads.
struct AuditFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// GET of a target ("/audit/key") on the audited service. Throws std::runtime_error when
// there is no answer.
using HttpGet = std::function<HttpReply(const std::string& target)>;

// The body of a 200 answer, parsed. Throws AuditFailure for another status or a body that is
// not JSON.
nlohmann::json get_json(const HttpGet& get, const std::string& target);

// A field of an answer; `what` names the answer in failures. Each throws AuditFailure when the
// field is missing or of another type.
int64_t integer_field(const nlohmann::json& j, const char* name, const std::string& what);
std::string string_field(const nlohmann::json& j, const char* name, const std::string& what);
// 64 lowercase hex digits.
merkle::Hash hash_field(const nlohmann::json& j, const char* name, const std::string& what);
// A list of hashes (an audit or consistency path).
std::vector<merkle::Hash> hash_list_field(const nlohmann::json& j, const char* name,
                                          const std::string& what);

bool is_lower_hex64(const std::string& s);
// A value of an answer as a failure quotes it: cut short, so a failure stays one line.
std::string shown(const nlohmann::json& v);

}  // namespace catalog::app
