// libFuzzer target: the JSON bodies of the mutating routes through the request-body
// validators, checking what they accept and that what they refuse can be reported.
#include <cctype>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "check.hpp"
#include "events/event.hpp"
#include "http/request_body.hpp"
#include "text/casefold.hpp"

namespace {

using namespace catalog;
using fuzz::check;
using nlohmann::json;

void check_name(const std::string& name) {
  check(text::valid_utf8(name), "a name is not valid UTF-8");
  check(text::trim(name) == name, "a name is not trimmed");
  size_t length = text::length(name);
  check(length >= 1 && length <= 255, "a name is not 1..255 characters");
}

void check_price(double price) {
  check(std::isfinite(price) && price >= 0 && price <= 1e12, "a price is outside 0..1e12");
}

void check_tag_ids(const std::vector<events::Id>& ids) {
  for (size_t i = 1; i < ids.size(); ++i)
    check(ids[i - 1] < ids[i], "tag_ids are not ascending and unique");
}

void check_description(const std::optional<std::string>& description) {
  if (!description) return;
  check(text::valid_utf8(*description), "a description is not valid UTF-8");
  check(text::length(*description) <= 10'000, "a description is over 10000 characters");
}

// Schemes are case-insensitive, and the validator takes HTTPS:// as https://.
void check_image_url(const std::optional<std::string>& url) {
  if (!url) return;
  check(text::valid_utf8(*url), "an image_url is not valid UTF-8");
  std::string head = url->substr(0, 8);
  for (char& c : head)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  check(head.starts_with("http://") || head.starts_with("https://"),
        "an image_url is not http(s)://");
  check(url->find_first_of(" \t\r\n") == std::string::npos, "an image_url holds white space");
}

// The 422 body is dumped with error_handler replace in the service, which would hide
// invalid UTF-8 in a message as U+FFFD; strict proves there is none to hide.
void check_errors(const http::FieldErrors& errors) {
  check(!errors.empty(), "a refusal without errors");
  json list = json::array();
  for (const auto& e : errors) {
    check(e.loc.is_array() && !e.loc.empty(), "an error's loc is not a non-empty array");
    check(!e.msg.empty() && !e.type.empty(), "an error without msg or type");
    list.push_back({{"loc", e.loc}, {"msg", e.msg}, {"type", e.type}});
  }
  try {
    std::string body = json{{"detail", list}}.dump(-1, ' ', false, json::error_handler_t::strict);
    check(json::accept(body), "a 422 body does not parse back");
  } catch (const json::exception&) {
    check(false, "a 422 body cannot be serialised (invalid UTF-8)");
  }
}

// As the log stores an event: to_json, dumped to text, parsed, read back by type.
events::Event round_trip(const events::Event& e) {
  json data = json::parse(events::to_json(e).dump());
  return events::from_json(events::type_name(e), data);
}

void check_fields(const events::ProductFields& f) {
  check_name(f.name);
  check_description(f.description);
  check_image_url(f.image_url);
  check_price(f.price_shmeckles);
  check_price(f.price_flurbos);
  check_tag_ids(f.tag_ids);
  events::ProductCreated created{7, f};
  auto back = round_trip(created);
  auto* again = std::get_if<events::ProductCreated>(&back);
  check(again && again->id == 7 && again->fields == f, "ProductCreated does not round-trip");
}

void check_patch(const events::ProductPatch& p) {
  if (p.name) check_name(*p.name);
  if (p.description) check_description(*p.description);
  if (p.image_url) check_image_url(*p.image_url);
  if (p.price_shmeckles) check_price(*p.price_shmeckles);
  if (p.price_flurbos) check_price(*p.price_flurbos);
  if (p.tag_ids) check_tag_ids(*p.tag_ids);
  events::ProductUpdated updated{7, p};
  auto back = round_trip(updated);
  auto* again = std::get_if<events::ProductUpdated>(&back);
  check(again && again->id == 7 && again->changes == p, "ProductUpdated does not round-trip");
}

template <class T, class Check>
void check_outcome(const std::variant<T, http::FieldErrors>& outcome, Check check_value) {
  if (auto* value = std::get_if<T>(&outcome)) {
    check_value(*value);
  } else {
    check_errors(std::get<http::FieldErrors>(outcome));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  check_outcome(http::parse_name_body(body), [](const std::string& name) {
    check_name(name);
    events::NamedCreated created{events::Resource::tag, 7, name};
    auto back = round_trip(created);
    auto* again = std::get_if<events::NamedCreated>(&back);
    check(again && again->name == name, "TagCreated does not round-trip");
  });
  check_outcome(http::parse_product_create(body), check_fields);
  check_outcome(http::parse_product_update(body), check_patch);
  return 0;
}
