// Decoding of raw query strings into parameters, as Starlette does it for FastAPI.
#include "http/query_string.hpp"

#include <catch2/catch.hpp>

using catalog::http::first;
using catalog::http::last;
using catalog::http::parse_query_string;
using catalog::http::QueryParams;

TEST_CASE("a percent-encoded Cyrillic name is decoded", "[validation]") {
  auto params = parse_query_string("name=%D0%BF%D0%BE%D1%80%D1%82%D0%B0%D0%BB");
  CHECK(params == QueryParams{{"name", "портал"}});
  CHECK(parse_query_string("name=%d0%bf") == QueryParams{{"name", "п"}});
}

TEST_CASE("a plus is a space and an encoded plus is a plus", "[validation]") {
  CHECK(parse_query_string("q=rick+and%2Bmorty") == QueryParams{{"q", "rick and+morty"}});
}

TEST_CASE("parameters keep their order and a name without = has an empty value", "[validation]") {
  CHECK(parse_query_string("b=2&a&c=3") == QueryParams{{"b", "2"}, {"a", ""}, {"c", "3"}});
}

TEST_CASE("empty pairs between ampersands are skipped", "[validation]") {
  CHECK(parse_query_string("&&a=1&&") == QueryParams{{"a", "1"}});
  CHECK(parse_query_string("").empty());
}

TEST_CASE("only the first = splits a name from its value", "[validation]") {
  CHECK(parse_query_string("a=b=c") == QueryParams{{"a", "b=c"}});
  CHECK(parse_query_string("=x") == QueryParams{{"", "x"}});
}

TEST_CASE("an invalid percent escape is kept as written", "[validation]") {
  CHECK(parse_query_string("a=%zz&b=%4&c=%&d=100%25") ==
        QueryParams{{"a", "%zz"}, {"b", "%4"}, {"c", "%"}, {"d", "100%"}});
}

TEST_CASE("names are decoded like values", "[validation]") {
  CHECK(parse_query_string("min%5Fprice=1") == QueryParams{{"min_price", "1"}});
}

TEST_CASE("bytes that are not UTF-8 become the replacement character", "[validation]") {
  CHECK(parse_query_string("a=%FF") == QueryParams{{"a", "\xEF\xBF\xBD"}});
  CHECK(parse_query_string("a=x%D0") == QueryParams{{"a", "x\xEF\xBF\xBD"}});
  CHECK(parse_query_string("a=\xFF") == QueryParams{{"a", "\xEF\xBF\xBD"}});
}

TEST_CASE("first and last pick the first and the last of a repeated parameter", "[validation]") {
  auto params = parse_query_string("limit=5&skip=1&limit=7");
  CHECK(first(params, "limit") == "5");
  CHECK(last(params, "limit") == "7");
  CHECK(first(params, "skip") == "1");
  CHECK_FALSE(first(params, "sort").has_value());
  CHECK_FALSE(last(params, "sort").has_value());
}
