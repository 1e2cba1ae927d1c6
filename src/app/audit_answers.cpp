#include "app/audit_answers.hpp"

namespace catalog::app {

using nlohmann::json;

namespace {

const json& field(const json& j, const char* name, const std::string& what) {
  if (!j.is_object() || !j.contains(name)) throw AuditFailure(what + ": the answer has no " + name);
  return j.at(name);
}

// An error's `detail`, if it is a short text: enough to tell "no key configured" from a bug.
std::string detail_of(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("detail") || !j["detail"].is_string()) return "";
  std::string d = j["detail"].get<std::string>();
  if (d.size() > 200) d = d.substr(0, 200) + "...";
  return ": " + d;
}

}  // namespace

std::string shown(const json& v) {
  std::string text = v.dump();
  return text.size() > 80 ? text.substr(0, 80) + "..." : text;
}

json get_json(const HttpGet& get, const std::string& target) {
  HttpReply reply = get(target);
  if (reply.status != 200)
    throw AuditFailure("GET " + target + " answered " + std::to_string(reply.status) +
                       detail_of(reply.body));
  json j = json::parse(reply.body, nullptr, false);
  if (j.is_discarded()) throw AuditFailure("GET " + target + ": the answer is not JSON");
  return j;
}

int64_t integer_field(const json& j, const char* name, const std::string& what) {
  const json& v = field(j, name, what);
  if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX))
    throw AuditFailure(what + ": " + name + " is not an integer: " + shown(v));
  return v.get<int64_t>();
}

std::string string_field(const json& j, const char* name, const std::string& what) {
  const json& v = field(j, name, what);
  if (!v.is_string()) throw AuditFailure(what + ": " + name + " is not a string: " + shown(v));
  return v.get<std::string>();
}

bool is_lower_hex64(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

merkle::Hash hash_field(const json& j, const char* name, const std::string& what) {
  std::string s = string_field(j, name, what);
  if (!is_lower_hex64(s))
    throw AuditFailure(what + ": " + name + " is not 64 lowercase hex digits: " + shown(json(s)));
  return merkle::from_hex(s);
}

std::vector<merkle::Hash> hash_list_field(const json& j, const char* name,
                                          const std::string& what) {
  const json& v = field(j, name, what);
  if (!v.is_array()) throw AuditFailure(what + ": " + name + " is not a list");
  std::vector<merkle::Hash> out;
  for (const json& h : v) {
    if (!h.is_string() || !is_lower_hex64(h.get<std::string>()))
      throw AuditFailure(what + ": " + name + " holds " + shown(h) +
                         ", not 64 lowercase hex digits");
    out.push_back(merkle::from_hex(h.get<std::string>()));
  }
  return out;
}

}  // namespace catalog::app
