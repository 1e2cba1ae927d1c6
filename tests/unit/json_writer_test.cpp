// The streaming JSON writer of the responses: whatever the text, a JSON parser reads back
// exactly that text.
#include "http/json_writer.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

using catalog::http::JsonWriter;

namespace {

std::string written(std::string_view text) {
  std::string out;
  JsonWriter(out).value(text);
  return out;
}

}  // namespace

TEST_CASE("strings are escaped so that a parser reads them back unchanged", "[json-writer]") {
  CHECK(written("Портальная пушка") == "\"Портальная пушка\"");
  CHECK(written("a\"b\\c") == R"("a\"b\\c")");
  CHECK(written("line\nnext\ttab\r") == R"("line\nnext\ttab\r")");
  CHECK(written(std::string("\x01z\x1f", 3)) == R"("\u0001z\u001f")");
  CHECK(written("") == "\"\"");

  // Random text of every byte the writer treats apart and of multi-byte characters, at
  // the start, the middle and the end of the string.
  const std::vector<std::string> pieces = {"\"",   "\\",   "\n",  "\r", "\t", std::string(1, '\0'),
                                           "\x1b", "\x7f", "abc", "ж",  "€",  "🛸",
                                           " "};
  std::mt19937 rng(20261126);
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    int n = std::uniform_int_distribution<int>(0, 12)(rng);
    for (int k = 0; k < n; ++k)
      text += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(rng)];
    INFO(nlohmann::json(text).dump());
    REQUIRE(nlohmann::json::parse(written(text)).get<std::string>() == text);
  }
}

TEST_CASE("members and elements are separated by commas, keys by colons", "[json-writer]") {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("a").value(int64_t{1}).key("b").begin_array();
  w.value(2.0).value(true).null().value("x");
  w.end_array().key("c").begin_object().end_object().end_object();
  CHECK(out == R"({"a":1,"b":[2.0,true,null,"x"],"c":{}})");
}
