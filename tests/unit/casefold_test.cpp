// Case folding and trimming of names, for uniqueness and search in every script.
#include "text/casefold.hpp"

#include <catch2/catch.hpp>

using namespace catalog::text;

TEST_CASE("folding ignores case in Latin, Cyrillic and Greek") {
  CHECK(fold("Rick SANCHEZ") == "rick sanchez");
  CHECK(fold("Электроника") == fold("ЭЛЕКТРОНИКА"));
  CHECK(fold("Портальная Пушка") == "портальная пушка");
  CHECK(fold("ΣΊΣΥΦΟΣ") == fold("σίσυφος"));
  CHECK(fold("Straße") == fold("STRASSE"));
}

TEST_CASE("a folded substring finds the name whatever its case") {
  CHECK(fold("Портальная пушка").find(fold("ПОРТАЛ")) == 0);
  CHECK(fold("Pickle RICK deluxe").find(fold("rick")) != std::string::npos);
}

TEST_CASE("trimming strips Unicode white space at both ends only") {
  CHECK(trim("  Хит  ") == "Хит");
  CHECK(trim("\t\n a b \u00a0") == "a b");
  CHECK(trim("\u3000名前\u2003") == "名前");
  CHECK(trim("   ").empty());
  CHECK(trim("") == "");
}

TEST_CASE("length counts characters, not bytes") {
  CHECK(length("abc") == 3);
  CHECK(length("Хит") == 3);
  CHECK(length("名前") == 2);
}

TEST_CASE("invalid UTF-8 is recognised") {
  CHECK(valid_utf8("Плюмбус"));
  CHECK_FALSE(valid_utf8("\xff\xfe"));
  CHECK_FALSE(valid_utf8("\xd0"));
}
