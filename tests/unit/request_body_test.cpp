// JSON bodies of category, tag and product commands: what is accepted, and the 422 errors
// (Pydantic v1's loc, msg and type) for what is not.
#include "http/request_body.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

using catalog::events::ProductFields;
using catalog::events::ProductPatch;
using catalog::http::FieldError;
using catalog::http::FieldErrors;
using catalog::http::parse_name_body;
using catalog::http::parse_product_create;
using catalog::http::parse_product_update;
using json = nlohmann::json;
using Ids = std::vector<catalog::events::Id>;

namespace {

template <class T>
T value_of(const std::variant<T, FieldErrors>& result) {
  if (auto* errors = std::get_if<FieldErrors>(&result)) {
    for (const auto& e : *errors)
      UNSCOPED_INFO(e.loc.dump() << " " << e.msg << " " << e.type);
  }
  REQUIRE(std::holds_alternative<T>(result));
  return std::get<T>(result);
}

template <class T>
FieldErrors errors_of(const std::variant<T, FieldErrors>& result) {
  REQUIRE(std::holds_alternative<FieldErrors>(result));
  return std::get<FieldErrors>(result);
}

// The one error of a body with one bad field.
template <class T>
FieldError error_of(const std::variant<T, FieldErrors>& result) {
  auto errors = errors_of(result);
  REQUIRE(errors.size() == 1);
  return errors.front();
}

json loc(const char* field) {
  return json::array({"body", field});
}

// A valid product body with `changes` merged in.
std::string product(const json& changes = json::object()) {
  json body = {{"name", "Портальная пушка"}, {"price_shmeckles", 250.5}, {"price_flurbos", 180}};
  body.update(changes);
  return body.dump();
}

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

// Fails the test unless every parser refuses `body` as undecodable JSON.
void check_not_json(const std::string& body) {
  INFO("a body of " << body.size() << " bytes starting " << body.substr(0, 20));
  for (const auto& e : {error_of(parse_name_body(body)), error_of(parse_product_create(body)),
                        error_of(parse_product_update(body))}) {
    CHECK(e.type == "value_error.jsondecode");
    REQUIRE(e.loc.size() == 2);
    CHECK(e.loc[0] == "body");
    CHECK(e.loc[1].is_number_unsigned());
    CHECK_FALSE(e.msg.empty());
    // The error goes back to the client as JSON, so it must be valid UTF-8 whatever came in.
    CHECK_NOTHROW(json{{"loc", e.loc}, {"msg", e.msg}, {"type", e.type}}.dump());
  }
}

}  // namespace

TEST_CASE("a name is trimmed of surrounding white space, Cyrillic ones included", "[validation]") {
  CHECK(value_of(parse_name_body(R"({"name": "  Электроника \t\n"})")) == "Электроника");
  // NO-BREAK SPACE and IDEOGRAPHIC SPACE are white space to Python's str.strip too.
  CHECK(value_of(parse_name_body("{\"name\": \"\u00a0\u3000Гаджеты \u3000\"}")) == "Гаджеты");
  CHECK(value_of(parse_name_body(R"({"name": " Rick  and  Morty "})")) == "Rick  and  Morty");
}

TEST_CASE("a name of 255 Cyrillic characters is accepted and one of 256 refused", "[validation]") {
  auto longest = repeat("я", 255);
  CHECK(value_of(parse_name_body(json{{"name", longest}}.dump())) == longest);
  CHECK(value_of(parse_name_body(json{{"name", "  " + longest + "  "}}.dump())) == longest);
  auto e = error_of(parse_name_body(json{{"name", longest + "я"}}.dump()));
  CHECK(e.loc == loc("name"));
  CHECK(e.msg == "ensure this value has at most 255 characters");
  CHECK(e.type == "value_error.any_str.max_length");
}

TEST_CASE("a name of only white space is refused as empty", "[validation]") {
  for (auto body : {R"({"name": ""})", R"({"name": "   "})", "{\"name\": \"\u3000\\n\"}"}) {
    auto e = error_of(parse_name_body(body));
    CHECK(e.loc == loc("name"));
    CHECK(e.msg == "ensure this value has at least 1 characters");
    CHECK(e.type == "value_error.any_str.min_length");
  }
}

TEST_CASE("a missing name is a required field", "[validation]") {
  auto e = error_of(parse_name_body(R"({"title": "x"})"));
  CHECK(e.loc == loc("name"));
  CHECK(e.msg == "field required");
  CHECK(e.type == "value_error.missing");
}

TEST_CASE("a name sent as a number, boolean, list or object is refused", "[validation]") {
  for (auto body :
       {R"({"name": 5})", R"({"name": true})", R"({"name": ["a"]})", R"({"name": {"a": 1}})"}) {
    auto e = error_of(parse_name_body(body));
    CHECK(e.loc == loc("name"));
    CHECK(e.msg == "str type expected");
    CHECK(e.type == "type_error.str");
  }
}

TEST_CASE("a null name is refused", "[validation]") {
  auto e = error_of(parse_name_body(R"({"name": null})"));
  CHECK(e.loc == loc("name"));
  CHECK(e.type == "type_error.none.not_allowed");
}

TEST_CASE("the acceptance suite's malformed bodies are refused without a crash", "[validation]") {
  for (const std::string& body :
       {std::string(""), std::string("\xff\xfe\x00", 3), std::string(R"({"name": "a"}}})"),
        repeat("{", 10000), std::string(R"({"name": "x", )")}) {
    check_not_json(body);
  }
  for (std::string_view body : {"null", "[]", "5", "\"name\""}) {
    for (const auto& e : {error_of(parse_name_body(body)), error_of(parse_product_create(body)),
                          error_of(parse_product_update(body))}) {
      CHECK(e.loc == json::array({"body"}));
      CHECK(e.msg == "value is not a valid dict");
      CHECK(e.type == "type_error.dict");
    }
  }
}

TEST_CASE("an empty body is a JSON error at offset 0", "[validation]") {
  auto e = error_of(parse_name_body(""));
  CHECK(e.loc == json::array({"body", 0}));
}

TEST_CASE("deeply nested JSON is refused before it is parsed", "[validation]") {
  auto nested = [](size_t depth) {
    return R"({"name": "a", "x": )" + repeat("[", depth - 1) + repeat("]", depth - 1) + "}";
  };
  CHECK(value_of(parse_name_body(nested(64))) == "a");
  auto e = error_of(parse_name_body(nested(65)));
  CHECK(e.type == "value_error.jsondecode");
  check_not_json(repeat("[", 1'000'000) + repeat("]", 1'000'000));
}

TEST_CASE("brackets inside strings are not nesting", "[validation]") {
  auto name = repeat("{[", 50) + "\\\"" + repeat("[", 100);
  CHECK(value_of(parse_name_body(R"({"name": ")" + name + "\"}")) ==
        repeat("{[", 50) + "\"" + repeat("[", 100));
}

TEST_CASE("invalid UTF-8 inside a string is a JSON error", "[validation]") {
  check_not_json(std::string("{\"name\": \"\xd0\"}"));
  check_not_json(std::string("{\"name\": \"\xc0\xaf\"}"));
}

TEST_CASE("a number too large for a double is a JSON error", "[validation]") {
  check_not_json(R"({"name": "a", "price_shmeckles": 1e400, "price_flurbos": 1})");
}

TEST_CASE("unknown fields are ignored", "[validation]") {
  CHECK(value_of(parse_name_body(R"({"name": "Хит", "id": 7, "extra": [1, {"a": null}]})")) ==
        "Хит");
  CHECK(value_of(parse_product_create(product({{"colour", "green"}}))).name == "Портальная пушка");
}

TEST_CASE("a product with only the required fields gets the defaults", "[validation]") {
  auto f = value_of(parse_product_create(product()));
  CHECK(f.name == "Портальная пушка");
  CHECK_FALSE(f.description.has_value());
  CHECK_FALSE(f.image_url.has_value());
  CHECK(f.price_shmeckles == 250.5);
  CHECK(f.price_flurbos == 180.0);
  CHECK_FALSE(f.category_id.has_value());
  CHECK(f.tag_ids.empty());
}

TEST_CASE("a product is read with every field", "[validation]") {
  auto f = value_of(parse_product_create(product({{"name", "  Портальная пушка  "},
                                                  {"description", "  Классическая  "},
                                                  {"image_url", "https://example.com/gun.jpg"},
                                                  {"category_id", 3},
                                                  {"tag_ids", {5, 1, 5, 2}}})));
  CHECK(f == ProductFields{"Портальная пушка", "  Классическая  ", "https://example.com/gun.jpg",
                           250.5, 180.0, 3, Ids{1, 2, 5}});
}

TEST_CASE("null description, image_url and category_id mean none on create", "[validation]") {
  auto f = value_of(parse_product_create(
      product({{"description", nullptr}, {"image_url", nullptr}, {"category_id", nullptr}})));
  CHECK_FALSE(f.description.has_value());
  CHECK_FALSE(f.image_url.has_value());
  CHECK_FALSE(f.category_id.has_value());
}

TEST_CASE("a price sent as text is refused", "[validation]") {
  for (auto price : {json("abc"), json("1"), json(true), json::array({1}), json::object()}) {
    auto e = error_of(parse_product_create(product({{"price_flurbos", price}})));
    CHECK(e.loc == loc("price_flurbos"));
    CHECK(e.msg == "value is not a valid float");
    CHECK(e.type == "type_error.float");
  }
}

TEST_CASE("a negative price is refused and zero is accepted", "[validation]") {
  auto e = error_of(parse_product_create(product({{"price_shmeckles", -1}})));
  CHECK(e.loc == loc("price_shmeckles"));
  CHECK(e.msg == "ensure this value is greater than or equal to 0");
  CHECK(e.type == "value_error.number.not_ge");
  CHECK(error_of(parse_product_create(product({{"price_shmeckles", -0.001}}))).type ==
        "value_error.number.not_ge");
  CHECK(value_of(parse_product_create(product({{"price_shmeckles", 0}}))).price_shmeckles == 0);
}

TEST_CASE("a price above 1e12 is refused and 1e12 itself accepted", "[validation]") {
  CHECK(value_of(parse_product_create(R"({"name": "a", "price_shmeckles": 1e12,
                                          "price_flurbos": 1000000000000})"))
            .price_flurbos == 1e12);
  for (auto raw : {"1000000000000.5", "1e13", "18446744073709551615", "1e300",
                   "123456789012345678901234567890"}) {
    auto e = error_of(parse_product_create(std::string(R"({"name": "a", "price_flurbos": 1,
                                                           "price_shmeckles": )") +
                                           raw + "}"));
    CHECK(e.loc == loc("price_shmeckles"));
    CHECK(e.msg == "ensure this value is less than or equal to 1000000000000.0");
    CHECK(e.type == "value_error.number.not_le");
  }
}

TEST_CASE("a missing price is a required field", "[validation]") {
  auto e = error_of(parse_product_create(R"({"name": "a", "price_shmeckles": 1})"));
  CHECK(e.loc == loc("price_flurbos"));
  CHECK(e.type == "value_error.missing");
}

TEST_CASE("a missing name on a product is reported at body.name", "[validation]") {
  auto e = error_of(parse_product_create(R"({"price_shmeckles": 1, "price_flurbos": 1})"));
  CHECK(e.loc == loc("name"));
  CHECK(e.msg == "field required");
}

TEST_CASE("every failing field is reported, in the model's field order", "[validation]") {
  auto errors = errors_of(parse_product_create(
      R"({"tag_ids": [1, "a", 2.0], "category_id": 1.5, "price_flurbos": "x",
          "image_url": "ftp://x", "description": 7, "price_shmeckles": -1})"));
  std::vector<json> locs;
  for (const auto& e : errors)
    locs.push_back(e.loc);
  CHECK(locs == std::vector<json>{loc("name"), loc("description"), loc("image_url"),
                                  loc("price_shmeckles"), loc("price_flurbos"), loc("category_id"),
                                  json::array({"body", "tag_ids", 1}),
                                  json::array({"body", "tag_ids", 2})});
}

TEST_CASE("a description of up to 10000 characters is kept untrimmed", "[validation]") {
  auto longest = repeat("ж", 10'000);
  CHECK(value_of(parse_product_create(product({{"description", longest}}))).description == longest);
  CHECK(value_of(parse_product_create(product({{"description", ""}}))).description == "");
  auto e = error_of(parse_product_create(product({{"description", longest + " "}})));
  CHECK(e.loc == loc("description"));
  CHECK(e.msg == "ensure this value has at most 10000 characters");
  CHECK(e.type == "value_error.any_str.max_length");
  CHECK(error_of(parse_product_create(product({{"description", 5}}))).type == "type_error.str");
}

TEST_CASE("an image_url that is an absolute http or https URL is accepted", "[validation]") {
  for (auto url :
       {"https://example.com/portal-gun.jpg", "http://example.com", "HTTPS://EXAMPLE.COM/A",
        "http://user:pw@cdn.example.com:8080/a/b.png?size=2#top", "http://[::1]:8000/x",
        "https://пример.рф/картинка.png", "http://localhost"}) {
    INFO(url);
    CHECK(value_of(parse_product_create(product({{"image_url", url}}))).image_url == url);
  }
  auto longest = "https://example.com/" + repeat("a", 2048 - 20);
  CHECK(value_of(parse_product_create(product({{"image_url", longest}}))).image_url == longest);
}

TEST_CASE("an image_url that is not an absolute http or https URL is refused", "[validation]") {
  for (const std::string& url : {std::string("not a url"),
                                 std::string(""),
                                 std::string("example.com/a.jpg"),
                                 std::string("//example.com/a.jpg"),
                                 std::string("ftp://example.com/a.jpg"),
                                 std::string("javascript:alert(1)"),
                                 std::string("http://"),
                                 std::string("https:///a"),
                                 std::string("http://user@/a"),
                                 std::string("http://:80/a"),
                                 std::string("http://exa mple.com/"),
                                 std::string("http://example.com/a b.jpg"),
                                 std::string(" http://example.com"),
                                 std::string("http://example.com/\x01"),
                                 std::string("http://example.com/\t"),
                                 std::string("http://example.com/\u00a0"),
                                 std::string("http://example.com:99999/"),
                                 std::string("http://example.com:port/"),
                                 std::string("http://example.com:/"),
                                 std::string("http://[::1/"),
                                 std::string("http://[::1]x/"),
                                 "https://example.com/" + repeat("a", 2048 - 19)}) {
    INFO(url);
    auto e = error_of(parse_product_create(product({{"image_url", url}})));
    CHECK(e.loc == loc("image_url"));
    CHECK(e.type == "value_error.url");
    CHECK_FALSE(e.msg.empty());
    // The error goes back to the client as JSON, so it must be valid UTF-8 whatever came in.
    CHECK_NOTHROW(json{{"loc", e.loc}, {"msg", e.msg}, {"type", e.type}}.dump());
  }
}

TEST_CASE("an image_url sent as a number is refused, not converted", "[validation]") {
  auto e = error_of(parse_product_create(product({{"image_url", 42}})));
  CHECK(e.loc == loc("image_url"));
  CHECK(e.type == "type_error.str");
}

TEST_CASE("category_id must be a JSON integer", "[validation]") {
  for (auto raw : {"1.0", "1.5", "\"1\"", "true", "9223372036854775808", "1e2", "[1]"}) {
    INFO(raw);
    auto e =
        error_of(parse_product_create(R"({"name": "a", "price_shmeckles": 1, "price_flurbos": 1,
                                 "category_id": )" +
                                      std::string(raw) + "}"));
    CHECK(e.loc == loc("category_id"));
    CHECK(e.msg == "value is not a valid integer");
    CHECK(e.type == "type_error.integer");
  }
  CHECK(value_of(parse_product_create(product({{"category_id", 9223372036854775807LL}})))
            .category_id == 9223372036854775807LL);
  CHECK(value_of(parse_product_create(product({{"category_id", -1}}))).category_id == -1);
}

TEST_CASE("tag_ids that is not a list is refused", "[validation]") {
  for (auto tags : {json("1,2"), json(1), json::object({{"1", 2}})}) {
    auto e = error_of(parse_product_create(product({{"tag_ids", tags}})));
    CHECK(e.loc == loc("tag_ids"));
    CHECK(e.msg == "value is not a valid list");
    CHECK(e.type == "type_error.list");
  }
}

TEST_CASE("a bad tag id is reported at its index", "[validation]") {
  auto errors = errors_of(parse_product_create(product({{"tag_ids", {1, "2", 3, true}}})));
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].loc == json::array({"body", "tag_ids", 1}));
  CHECK(errors[0].type == "type_error.integer");
  CHECK(errors[1].loc == json::array({"body", "tag_ids", 3}));
}

TEST_CASE("duplicate tag ids collapse and come out ascending", "[validation]") {
  CHECK(value_of(parse_product_create(product({{"tag_ids", {3, 1, 3, 2, 1}}}))).tag_ids ==
        Ids{1, 2, 3});
  CHECK(value_of(parse_product_create(product({{"tag_ids", json::array()}}))).tag_ids.empty());
}

TEST_CASE("null tag_ids is refused on create", "[validation]") {
  auto e = error_of(parse_product_create(product({{"tag_ids", nullptr}})));
  CHECK(e.loc == loc("tag_ids"));
  CHECK(e.msg == "none is not an allowed value");
  CHECK(e.type == "type_error.none.not_allowed");
}

TEST_CASE("an empty update changes nothing", "[validation]") {
  auto patch = value_of(parse_product_update("{}"));
  CHECK(patch == ProductPatch{});
  CHECK(value_of(parse_product_update(R"({"unknown": 1})")) == ProductPatch{});
}

TEST_CASE("an update carries only the fields that were sent", "[validation]") {
  auto patch =
      value_of(parse_product_update(R"({"price_shmeckles": 300, "name": "  Новое имя "})"));
  ProductPatch expected;
  expected.name = "Новое имя";
  expected.price_shmeckles = 300.0;
  CHECK(patch == expected);
}

TEST_CASE("an update reads every field it is sent", "[validation]") {
  auto patch = value_of(parse_product_update(
      R"({"name": "a", "description": "d", "image_url": "http://x.io/i.png",
          "price_shmeckles": 1.5, "price_flurbos": 2, "category_id": 4, "tag_ids": [9, 8, 9]})"));
  CHECK(patch.name == "a");
  CHECK(patch.description == std::optional<std::string>("d"));
  CHECK(patch.image_url == std::optional<std::string>("http://x.io/i.png"));
  CHECK(patch.price_shmeckles == 1.5);
  CHECK(patch.price_flurbos == 2.0);
  CHECK(patch.category_id == std::optional<catalog::events::Id>(4));
  CHECK(patch.tag_ids == Ids{8, 9});
}

TEST_CASE("null in an update clears description, image_url and category_id", "[validation]") {
  auto patch = value_of(
      parse_product_update(R"({"description": null, "image_url": null, "category_id": null})"));
  REQUIRE(patch.description.has_value());
  CHECK_FALSE(patch.description->has_value());
  REQUIRE(patch.image_url.has_value());
  CHECK_FALSE(patch.image_url->has_value());
  REQUIRE(patch.category_id.has_value());
  CHECK_FALSE(patch.category_id->has_value());
  CHECK_FALSE(patch.name.has_value());
  CHECK_FALSE(patch.tag_ids.has_value());
}

TEST_CASE("a null name, price or tag_ids in an update is refused", "[validation]") {
  auto errors = errors_of(parse_product_update(
      R"({"tag_ids": null, "price_flurbos": null, "price_shmeckles": null, "name": null})"));
  std::vector<json> locs;
  for (const auto& e : errors) {
    CHECK(e.msg == "none is not an allowed value");
    CHECK(e.type == "type_error.none.not_allowed");
    locs.push_back(e.loc);
  }
  CHECK(locs == std::vector<json>{loc("name"), loc("price_shmeckles"), loc("price_flurbos"),
                                  loc("tag_ids")});
}

TEST_CASE("an update checks a sent field as create does", "[validation]") {
  CHECK(error_of(parse_product_update(R"({"name": "   "})")).type ==
        "value_error.any_str.min_length");
  CHECK(error_of(parse_product_update(R"({"price_flurbos": "5"})")).type == "type_error.float");
  CHECK(error_of(parse_product_update(R"({"price_flurbos": 1e13})")).type ==
        "value_error.number.not_le");
  CHECK(error_of(parse_product_update(R"({"image_url": "not a url"})")).type == "value_error.url");
  CHECK(error_of(parse_product_update(R"({"category_id": "1"})")).type == "type_error.integer");
  CHECK(error_of(parse_product_update(R"({"tag_ids": "1,2"})")).type == "type_error.list");
}
