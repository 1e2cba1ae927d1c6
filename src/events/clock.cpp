#include "events/clock.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace catalog::events {

Millis now_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {

// Calendar arithmetic without the C library (H. Hinnant's days_from_civil and
// civil_from_days). glibc's gmtime_r and timegm take the time-zone lock on every call; the
// io threads contended for it on every product they read and rendered, and with snprintf
// the round trip was 18 % of the samples of GET /products/?limit=100.
struct Civil {
  int64_t year;
  unsigned month;  // 1-12
  unsigned day;    // 1-31
};

int64_t days_from_civil(Civil c) {
  int64_t y = c.year - (c.month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (c.month > 2 ? c.month - 3 : c.month + 9) + 2) / 5 + c.day - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Civil civil_from_days(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned day = doy - (153 * mp + 2) / 5 + 1;
  unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

void put(char* at, int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i, value /= 10)
    at[i] = static_cast<char>('0' + value % 10);
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  auto r = std::from_chars(s.data() + pos, s.data() + pos + n, out);
  return r.ec == std::errc{} && r.ptr == s.data() + pos + n;
}

}  // namespace

std::string format_iso(Millis ms) {
  int64_t secs = floor_div(ms, 1000);
  int64_t days = floor_div(secs, 86400);
  int64_t in_day = secs - days * 86400;
  Civil c = civil_from_days(days);
  if (c.year < 0 || c.year > 9999) {
    // Not a time this service records, but written as before: the hash chain covers it.
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<long long>(c.year), c.month, c.day, static_cast<int>(in_day / 3600),
                  static_cast<int>(in_day / 60 % 60), static_cast<int>(in_day % 60),
                  static_cast<int>(ms - secs * 1000));
    return buf;
  }
  std::string out = "0000-00-00T00:00:00.000Z";
  put(&out[0], c.year, 4);
  put(&out[5], c.month, 2);
  put(&out[8], c.day, 2);
  put(&out[11], in_day / 3600, 2);
  put(&out[14], in_day / 60 % 60, 2);
  put(&out[17], in_day % 60, 2);
  put(&out[20], ms - secs * 1000, 3);
  return out;
}

std::optional<Millis> parse_iso(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS.mmmZ
  if (s.size() != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != '.' || s[23] != 'Z')
    return std::nullopt;
  int y, mo, d, h, mi, se, ms;
  if (!digits(s, 0, 4, y) || !digits(s, 5, 2, mo) || !digits(s, 8, 2, d) || !digits(s, 11, 2, h) ||
      !digits(s, 14, 2, mi) || !digits(s, 17, 2, se) || !digits(s, 20, 3, ms))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return std::nullopt;
  Civil date{y, static_cast<unsigned>(mo), static_cast<unsigned>(d)};
  int64_t days = days_from_civil(date);
  // A day past the month's end (2026-02-30) comes back as another date.
  Civil back = civil_from_days(days);
  if (back.month != date.month || back.day != date.day) return std::nullopt;
  return ((days * 24 + h) * 60 + mi) * 60 * 1000 + se * 1000 + ms;
}

}  // namespace catalog::events
