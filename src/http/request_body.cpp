#include "http/request_body.hpp"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "text/casefold.hpp"

namespace catalog::http {

namespace {

using json = nlohmann::json;

// Our bodies are flat. nlohmann parses and destroys without recursion, but copying,
// comparing or dumping a value recurses, so a deep document could still exhaust the stack.
constexpr int kMaxDepth = 64;
constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxDescriptionLength = 10'000;
constexpr size_t kMaxUrlLength = 2'048;
constexpr double kMaxPrice = 1e12;

json body_loc(std::string_view field) {
  return json::array({"body", field});
}

FieldError json_error(size_t offset, std::string msg) {
  return {json::array({"body", offset}), std::move(msg), "value_error.jsondecode"};
}

// The byte offset at which brackets nest deeper than kMaxDepth, if they do. Brackets
// inside strings do not count.
std::optional<size_t> too_deep_at(std::string_view body) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return i;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return std::nullopt;
}

// nlohmann's messages start with "[json.exception.parse_error.101] ", which means nothing
// to a client, and may quote the bytes last read, which may be invalid UTF-8 that no JSON
// response can carry.
std::string client_message(const char* what) {
  std::string msg = what;
  if (msg.starts_with('[')) {
    size_t end = msg.find("] ");
    if (end != std::string::npos) msg.erase(0, end + 2);
  }
  if (!text::valid_utf8(msg)) msg.erase(std::min(msg.find("; last read:"), msg.size()));
  return text::valid_utf8(msg) ? msg : "invalid JSON";
}

std::variant<json, FieldErrors> parse_object(std::string_view body) {
  if (auto at = too_deep_at(body)) {
    return FieldErrors{
        json_error(*at, "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels")};
  }
  json doc;
  try {
    doc = json::parse(body.begin(), body.end());
  } catch (const json::parse_error& e) {
    // `byte` counts from 1 and points at the last byte read; clients count from 0.
    return FieldErrors{json_error(e.byte > 0 ? e.byte - 1 : 0, client_message(e.what()))};
  } catch (const json::exception& e) {  // a number too large for a double
    return FieldErrors{json_error(0, client_message(e.what()))};
  }
  if (!doc.is_object()) {
    return FieldErrors{{json::array({"body"}), "value is not a valid dict", "type_error.dict"}};
  }
  return doc;
}

// A copy of the string in `v`; numbers and the like are never taken for text.
std::optional<std::string> string_of(const json& v, const json& loc, FieldErrors& errors) {
  if (!v.is_string()) {
    errors.push_back({loc, "str type expected", "type_error.str"});
    return std::nullopt;
  }
  return v.get<std::string>();
}

// Pydantic v1 words every length limit the same way.
bool within_length(std::string_view s, size_t min, size_t max, const json& loc,
                   FieldErrors& errors) {
  size_t n = text::length(s);
  if (n < min) {
    errors.push_back({loc, "ensure this value has at least " + std::to_string(min) + " characters",
                      "value_error.any_str.min_length"});
    return false;
  }
  if (n > max) {
    errors.push_back({loc, "ensure this value has at most " + std::to_string(max) + " characters",
                      "value_error.any_str.max_length"});
    return false;
  }
  return true;
}

std::optional<std::string> validate_name(const json& v, const json& loc, FieldErrors& errors) {
  auto raw = string_of(v, loc, errors);
  if (!raw) return std::nullopt;
  std::string name = text::trim(*raw);
  if (!within_length(name, 1, kMaxNameLength, loc, errors)) return std::nullopt;
  return name;
}

std::optional<std::string> validate_description(const json& v, const json& loc,
                                                FieldErrors& errors) {
  auto description = string_of(v, loc, errors);
  if (!description || !within_length(*description, 0, kMaxDescriptionLength, loc, errors)) {
    return std::nullopt;
  }
  return description;
}

bool has_space_or_control(std::string_view s) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  int32_t n = static_cast<int32_t>(s.size());
  int32_t i = 0;
  while (i < n) {
    UChar32 c;
    U8_NEXT(bytes, i, n, c);
    if (c < 0 || u_isUWhiteSpace(c) || u_iscntrl(c)) return true;
  }
  return false;
}

// Schemes are case-insensitive; ASCII folding is enough for the two we accept.
bool is_http_scheme(std::string_view scheme) {
  std::string lower(scheme);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower == "http" || lower == "https";
}

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  return std::stoi(std::string(port)) <= 65535;
}

// What is wrong with the host and port part of `authority` (after any `user:pass@`).
std::optional<std::string> authority_problem(std::string_view authority) {
  size_t at = authority.rfind('@');
  std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  // A bracketed IPv6 literal has colons of its own; the port comes after the bracket.
  size_t host_end = host.starts_with('[') ? host.find(']') : host.find(':');
  if (host.starts_with('[') && host_end == std::string_view::npos) return "URL host invalid";
  if (host.starts_with('[')) ++host_end;
  if (host.substr(0, host_end).empty()) return "URL host invalid";
  if (host_end >= host.size()) return std::nullopt;
  if (host[host_end] != ':') return "URL host invalid";
  if (!valid_port(host.substr(host_end + 1))) {
    return "URL port invalid, it must be a number from 0 to 65535";
  }
  return std::nullopt;
}

// What is wrong with `url` as an absolute http or https URL, if anything.
std::optional<std::string> url_problem(std::string_view url) {
  if (text::length(url) > kMaxUrlLength) {
    return "ensure this value has at most " + std::to_string(kMaxUrlLength) + " characters";
  }
  size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return "invalid or missing URL scheme";
  if (!is_http_scheme(url.substr(0, sep))) return "URL scheme not permitted, use http or https";
  std::string_view rest = url.substr(sep + 3);
  if (auto problem = authority_problem(rest.substr(0, rest.find_first_of("/?#")))) return problem;
  if (has_space_or_control(url)) return "URL must not contain white space or control characters";
  return std::nullopt;
}

std::optional<std::string> validate_image_url(const json& v, const json& loc, FieldErrors& errors) {
  auto url = string_of(v, loc, errors);
  if (!url) return std::nullopt;
  if (auto problem = url_problem(*url)) {
    errors.push_back({loc, std::move(*problem), "value_error.url"});
    return std::nullopt;
  }
  return url;
}

std::optional<double> validate_price(const json& v, const json& loc, FieldErrors& errors) {
  // is_number() is false for booleans and strings, which are never prices here.
  if (!v.is_number() || !std::isfinite(v.get<double>())) {
    errors.push_back({loc, "value is not a valid float", "type_error.float"});
    return std::nullopt;
  }
  double price = v.get<double>();
  if (price < 0) {
    errors.push_back(
        {loc, "ensure this value is greater than or equal to 0", "value_error.number.not_ge"});
    return std::nullopt;
  }
  if (price > kMaxPrice) {
    // Python prints the limit 1e12 as a float: 1000000000000.0.
    errors.push_back({loc, "ensure this value is less than or equal to 1000000000000.0",
                      "value_error.number.not_le"});
    return std::nullopt;
  }
  return price;
}

std::optional<events::Id> validate_id(const json& v, const json& loc, FieldErrors& errors) {
  // nlohmann keeps non-negative integers unsigned; those past int64 are no id of ours.
  bool fits = v.is_number_integer() &&
              !(v.is_number_unsigned() &&
                v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
  if (!fits) {
    errors.push_back({loc, "value is not a valid integer", "type_error.integer"});
    return std::nullopt;
  }
  return v.get<int64_t>();
}

std::optional<std::vector<events::Id>> validate_tag_ids(const json& v, const json& loc,
                                                        FieldErrors& errors) {
  if (!v.is_array()) {
    errors.push_back({loc, "value is not a valid list", "type_error.list"});
    return std::nullopt;
  }
  std::vector<events::Id> ids;
  bool all_valid = true;
  for (size_t i = 0; i < v.size(); ++i) {
    json element_loc = loc;
    element_loc.push_back(i);
    if (auto id = validate_id(v[i], element_loc, errors)) {
      ids.push_back(*id);
    } else {
      all_valid = false;
    }
  }
  if (!all_valid) return std::nullopt;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

enum class Presence { required, optional };

// A field for which null means nothing: Pydantic v1 refuses None for every field that is
// not Optional, and an update must not null a name or a price either. Returns the value
// when it was sent and is valid.
template <class Validate>
auto read_non_null(const json& body, const char* key, Presence presence, Validate validate,
                   FieldErrors& errors) -> decltype(validate(body, body, errors)) {
  json loc = body_loc(key);
  auto it = body.find(key);
  if (it == body.end()) {
    if (presence == Presence::required) {
      errors.push_back({loc, "field required", "value_error.missing"});
    }
    return std::nullopt;
  }
  if (it->is_null()) {
    errors.push_back({loc, "none is not an allowed value", "type_error.none.not_allowed"});
    return std::nullopt;
  }
  return validate(*it, loc, errors);
}

// A field for which null means "none": not sent gives an empty outer optional, null an
// empty inner one.
template <class Validate>
auto read_nullable(const json& body, const char* key, Validate validate, FieldErrors& errors)
    -> std::optional<decltype(validate(body, body, errors))> {
  using Inner = decltype(validate(body, body, errors));
  auto it = body.find(key);
  if (it == body.end()) return std::nullopt;
  if (it->is_null()) return std::optional<Inner>(std::in_place, std::nullopt);
  Inner value = validate(*it, body_loc(key), errors);
  if (!value) return std::nullopt;
  return std::optional<Inner>(std::in_place, std::move(value));
}

// Parses `body` as an object and lets `read` fill a T from it; T is only returned when
// both the JSON and every field are valid.
template <class T, class Read>
std::variant<T, FieldErrors> read_body(std::string_view body, Read read) {
  auto parsed = parse_object(body);
  if (auto* errors = std::get_if<FieldErrors>(&parsed)) return std::move(*errors);
  FieldErrors errors;
  T result = read(std::get<json>(parsed), errors);
  if (!errors.empty()) return errors;
  return result;
}

}  // namespace

std::variant<std::string, FieldErrors> parse_name_body(std::string_view body) {
  return read_body<std::string>(body, [](const json& obj, FieldErrors& errors) {
    return read_non_null(obj, "name", Presence::required, validate_name, errors).value_or("");
  });
}

std::variant<events::ProductFields, FieldErrors> parse_product_create(std::string_view body) {
  return read_body<events::ProductFields>(body, [](const json& obj, FieldErrors& errors) {
    events::ProductFields f;
    f.name = read_non_null(obj, "name", Presence::required, validate_name, errors).value_or("");
    f.description =
        read_nullable(obj, "description", validate_description, errors).value_or(std::nullopt);
    f.image_url =
        read_nullable(obj, "image_url", validate_image_url, errors).value_or(std::nullopt);
    f.price_shmeckles =
        read_non_null(obj, "price_shmeckles", Presence::required, validate_price, errors)
            .value_or(0);
    f.price_flurbos =
        read_non_null(obj, "price_flurbos", Presence::required, validate_price, errors).value_or(0);
    f.category_id = read_nullable(obj, "category_id", validate_id, errors).value_or(std::nullopt);
    f.tag_ids = read_non_null(obj, "tag_ids", Presence::optional, validate_tag_ids, errors)
                    .value_or(std::vector<events::Id>{});
    return f;
  });
}

std::variant<events::ProductPatch, FieldErrors> parse_product_update(std::string_view body) {
  return read_body<events::ProductPatch>(body, [](const json& obj, FieldErrors& errors) {
    events::ProductPatch p;
    p.name = read_non_null(obj, "name", Presence::optional, validate_name, errors);
    p.description = read_nullable(obj, "description", validate_description, errors);
    p.image_url = read_nullable(obj, "image_url", validate_image_url, errors);
    p.price_shmeckles =
        read_non_null(obj, "price_shmeckles", Presence::optional, validate_price, errors);
    p.price_flurbos =
        read_non_null(obj, "price_flurbos", Presence::optional, validate_price, errors);
    p.category_id = read_nullable(obj, "category_id", validate_id, errors);
    p.tag_ids = read_non_null(obj, "tag_ids", Presence::optional, validate_tag_ids, errors);
    return p;
  });
}

}  // namespace catalog::http
