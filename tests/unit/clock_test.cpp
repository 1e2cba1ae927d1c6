// Event time as ISO 8601: the calendar arithmetic against the C library's, which it
// replaced, over dates from 1970 to 2200 (leap days, century years, the epoch).
#include "events/clock.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>

namespace {

using catalog::events::format_iso;
using catalog::events::Millis;
using catalog::events::parse_iso;

// The former implementation: gmtime_r and snprintf.
std::string reference(Millis ms) {
  std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  int frac = static_cast<int>(ms - static_cast<Millis>(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

}  // namespace

TEST_CASE("format_iso writes what gmtime_r would, and parse_iso reads it back", "[clock]") {
  for (Millis ms : {Millis{0}, Millis{999}, Millis{-1}, Millis{951782400000},  // 2000-02-29
                    Millis{4107542400000},                                     // 2100-02-28
                    Millis{4107628800000},                                     // 2100-03-01
                    Millis{1764000000123}, Millis{7258118399999}}) {
    INFO(ms);
    CHECK(format_iso(ms) == reference(ms));
    if (ms >= 0) CHECK(parse_iso(format_iso(ms)) == ms);
  }
  std::mt19937_64 rng(20261126);
  std::uniform_int_distribution<Millis> any(0, Millis{7258118399999});  // to 2199-12-31
  for (int i = 0; i < 100000; ++i) {
    Millis ms = any(rng);
    INFO(ms);
    REQUIRE(format_iso(ms) == reference(ms));
    REQUIRE(parse_iso(format_iso(ms)) == ms);
  }
}

TEST_CASE("parse_iso refuses dates and times that do not exist", "[clock]") {
  CHECK(parse_iso("2026-02-29T00:00:00.000Z") == std::nullopt);  // not a leap year
  CHECK(parse_iso("2024-02-29T00:00:00.000Z").has_value());
  CHECK(parse_iso("2026-13-01T00:00:00.000Z") == std::nullopt);
  CHECK(parse_iso("2026-00-10T00:00:00.000Z") == std::nullopt);
  CHECK(parse_iso("2026-04-31T00:00:00.000Z") == std::nullopt);
  CHECK(parse_iso("2026-04-30T24:00:00.000Z") == std::nullopt);
  CHECK(parse_iso("2026-04-30T23:60:00.000Z") == std::nullopt);
  CHECK(parse_iso("2026-04-30T23:59:60.000Z") == std::nullopt);
  CHECK(parse_iso("2026-04-30 23:59:59.000Z") == std::nullopt);
  CHECK(parse_iso("2026-04-30T23:59:59Z") == std::nullopt);
}
