// The filters, sort and paging of `GET /products/`, and the 422s for parameters that do
// not parse.
#include "http/product_filter_parser.hpp"

#include <catch2/catch.hpp>
#include <clocale>
#include <string>
#include <variant>

#include "http/query_string.hpp"

using catalog::http::FieldErrors;
using catalog::http::parse_product_filter;
using catalog::http::parse_query_string;
using catalog::projections::ProductFilter;
using catalog::projections::SortKey;
using Ids = std::vector<catalog::events::Id>;

namespace {

std::variant<ProductFilter, FieldErrors> parse(const std::string& query) {
  return parse_product_filter(parse_query_string(query));
}

ProductFilter filter_of(const std::string& query) {
  auto result = parse(query);
  INFO("?" << query);
  REQUIRE(std::holds_alternative<ProductFilter>(result));
  return std::get<ProductFilter>(result);
}

FieldErrors errors_of(const std::string& query) {
  auto result = parse(query);
  INFO("?" << query);
  REQUIRE(std::holds_alternative<FieldErrors>(result));
  return std::get<FieldErrors>(result);
}

// The one error of a query with one bad parameter.
catalog::http::FieldError error_of(const std::string& query) {
  auto errors = errors_of(query);
  INFO("?" << query);
  REQUIRE(errors.size() == 1);
  return errors.front();
}

}  // namespace

TEST_CASE("no parameters give the default filter", "[validation]") {
  auto f = filter_of("");
  CHECK_FALSE(f.name.has_value());
  CHECK_FALSE(f.category_id.has_value());
  CHECK(f.tag_ids.empty());
  CHECK_FALSE(f.all_tags);
  CHECK_FALSE(f.min_price_shmeckles.has_value());
  CHECK_FALSE(f.max_price_shmeckles.has_value());
  CHECK_FALSE(f.min_price_flurbos.has_value());
  CHECK_FALSE(f.max_price_flurbos.has_value());
  CHECK(f.skip == 0);
  CHECK(f.limit == 100);
  CHECK(f.sort == SortKey::id);
  CHECK_FALSE(f.descending);
}

TEST_CASE("every filter parameter is read", "[validation]") {
  auto f = filter_of(
      "name=rick&category_id=7&tag_ids=3,1,3&tag_match=all&min_price_shmeckles=10"
      "&max_price_shmeckles=100.5&min_price_flurbos=0&max_price_flurbos=1e3&skip=20&limit=5"
      "&sort=-price_flurbos");
  CHECK(f.name == "rick");
  CHECK(f.category_id == 7);
  CHECK(f.tag_ids == Ids{1, 3});
  CHECK(f.all_tags);
  CHECK(f.min_price_shmeckles == 10.0);
  CHECK(f.max_price_shmeckles == 100.5);
  CHECK(f.min_price_flurbos == 0.0);
  CHECK(f.max_price_flurbos == 1000.0);
  CHECK(f.skip == 20);
  CHECK(f.limit == 5);
  CHECK(f.sort == SortKey::price_flurbos);
  CHECK(f.descending);
}

TEST_CASE("a percent-encoded Cyrillic name filter arrives decoded", "[validation]") {
  CHECK(filter_of("name=%D0%BF%D0%BE%D1%80%D1%82%D0%B0%D0%BB").name == "портал");
}

TEST_CASE("an empty name is no name filter", "[validation]") {
  CHECK_FALSE(filter_of("name=").name.has_value());
  CHECK_FALSE(filter_of("name").name.has_value());
}

TEST_CASE("the acceptance suite's bad query parameters are refused at their query loc",
          "[validation]") {
  struct Case {
    const char* query;
    const char* param;
    const char* type;
  };
  for (auto c : {Case{"category_id=abc", "category_id", "type_error.integer"},
                 Case{"tag_ids=1,x", "tag_ids", "value_error.str.regex"},
                 Case{"limit=-1", "limit", "value_error.number.not_ge"},
                 Case{"min_price_shmeckles=cheap", "min_price_shmeckles", "type_error.float"},
                 Case{"skip=-5", "skip", "value_error.number.not_ge"}}) {
    auto e = error_of(c.query);
    CHECK(e.loc == nlohmann::json::array({"query", c.param}));
    CHECK(e.type == c.type);
  }
}

TEST_CASE("category_id must be a whole number", "[validation]") {
  for (auto q : {"abc", "1.5", "", "%201", "1e3", "99999999999999999999"}) {
    auto e = error_of(std::string("category_id=") + q);
    CHECK(e.msg == "value is not a valid integer");
    CHECK(e.type == "type_error.integer");
  }
  CHECK(filter_of("category_id=-3").category_id == -3);
}

TEST_CASE("tag_ids are deduplicated and sorted", "[validation]") {
  CHECK(filter_of("tag_ids=5,2,5,1").tag_ids == Ids{1, 2, 5});
  CHECK(filter_of("tag_ids=42").tag_ids == Ids{42});
}

TEST_CASE("tag_ids that are not a comma-separated list of ids are refused", "[validation]") {
  for (auto q : {"1,x", "", "1,,2", ",1", "1,", "-1", "1%202", "1.0"}) {
    auto e = error_of(std::string("tag_ids=") + q);
    CHECK(e.loc == nlohmann::json::array({"query", "tag_ids"}));
    CHECK(e.type == "value_error.str.regex");
  }
  CHECK(error_of("tag_ids=1,99999999999999999999").type == "type_error.integer");
}

TEST_CASE("tag_match is any or all and nothing else", "[validation]") {
  CHECK_FALSE(filter_of("tag_match=any").all_tags);
  CHECK(filter_of("tag_match=all").all_tags);
  for (auto q : {"ALL", "some", ""}) {
    auto e = error_of(std::string("tag_match=") + q);
    CHECK(e.loc == nlohmann::json::array({"query", "tag_match"}));
    CHECK(e.type == "type_error.enum");
  }
}

TEST_CASE("price bounds are finite numbers", "[validation]") {
  CHECK(filter_of("min_price_shmeckles=-5").min_price_shmeckles == -5.0);
  CHECK(filter_of("max_price_flurbos=0.25").max_price_flurbos == 0.25);
  for (auto q :
       {"cheap", "nan", "NaN", "inf", "-inf", "infinity", "1e400", "1,5", "", "+1", "0x10"}) {
    auto e = error_of(std::string("max_price_shmeckles=") + q);
    CHECK(e.msg == "value is not a valid float");
    CHECK(e.type == "type_error.float");
  }
}

TEST_CASE("price bounds are read the same under any C locale", "[validation]") {
  // A locale with a decimal comma is what breaks strtod; from_chars must not care.
  const char* previous = std::setlocale(LC_ALL, nullptr);
  std::string saved = previous ? previous : "C";
  std::setlocale(LC_ALL, "de_DE.UTF-8");
  auto f = parse("min_price_flurbos=10.5");
  std::setlocale(LC_ALL, saved.c_str());
  REQUIRE(std::holds_alternative<ProductFilter>(f));
  CHECK(std::get<ProductFilter>(f).min_price_flurbos == 10.5);
}

TEST_CASE("skip must not be negative", "[validation]") {
  auto e = error_of("skip=-1");
  CHECK(e.msg == "ensure this value is greater than or equal to 0");
  CHECK(filter_of("skip=0").skip == 0);
  CHECK(filter_of("skip=1000000").skip == 1000000);
  CHECK(error_of("skip=abc").type == "type_error.integer");
}

TEST_CASE("limit is from 1 to 1000", "[validation]") {
  auto low = error_of("limit=0");
  CHECK(low.msg == "ensure this value is greater than or equal to 1");
  CHECK(low.type == "value_error.number.not_ge");
  auto high = error_of("limit=1001");
  CHECK(high.msg == "ensure this value is less than or equal to 1000");
  CHECK(high.type == "value_error.number.not_le");
  CHECK(filter_of("limit=1").limit == 1);
  CHECK(filter_of("limit=1000").limit == 1000);
}

TEST_CASE("sort takes each key, ascending or with a minus descending", "[validation]") {
  struct Case {
    const char* name;
    SortKey key;
  };
  for (auto c :
       {Case{"id", SortKey::id}, Case{"name", SortKey::name},
        Case{"price_shmeckles", SortKey::price_shmeckles},
        Case{"price_flurbos", SortKey::price_flurbos}, Case{"created_at", SortKey::created_at},
        Case{"updated_at", SortKey::updated_at}}) {
    auto up = filter_of(std::string("sort=") + c.name);
    CHECK(up.sort == c.key);
    CHECK_FALSE(up.descending);
    auto down = filter_of(std::string("sort=-") + c.name);
    CHECK(down.sort == c.key);
    CHECK(down.descending);
  }
}

TEST_CASE("an unknown sort key is refused", "[validation]") {
  for (auto q : {"price", "-", "--id", "ID", "", "%2Bid"}) {
    auto e = error_of(std::string("sort=") + q);
    CHECK(e.loc == nlohmann::json::array({"query", "sort"}));
    CHECK(e.type == "type_error.enum");
  }
}

TEST_CASE("every bad query parameter is reported, in the route's order", "[validation]") {
  auto errors = errors_of("sort=bad&limit=0&category_id=x&skip=-1&max_price_flurbos=y");
  std::vector<std::string> params;
  for (const auto& e : errors)
    params.push_back(e.loc[1].get<std::string>());
  CHECK(params ==
        std::vector<std::string>{"category_id", "max_price_flurbos", "skip", "limit", "sort"});
}

TEST_CASE("the last of a repeated query parameter wins", "[validation]") {
  CHECK(filter_of("limit=5&limit=7").limit == 7);
  CHECK(filter_of("limit=abc&limit=5").limit == 5);
  CHECK(error_of("limit=5&limit=abc").type == "type_error.integer");
}

TEST_CASE("unknown query parameters are ignored", "[validation]") {
  CHECK(filter_of("page=3&q=x&limit=2").limit == 2);
}
