#include "text/casefold.hpp"

#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

namespace catalog::text {

std::string fold(std::string_view utf8) {
  // ASCII needs no tables; names in the benchmark and most clients are ASCII.
  bool ascii = true;
  for (unsigned char c : utf8) {
    if (c >= 0x80) {
      ascii = false;
      break;
    }
  }
  std::string out;
  if (ascii) {
    out.resize(utf8.size());
    for (size_t i = 0; i < utf8.size(); ++i) {
      char c = utf8[i];
      out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
  }
  auto u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  u.foldCase(U_FOLD_CASE_DEFAULT);
  u.toUTF8String(out);
  return out;
}

namespace {

// Decodes the code point at `i`; malformed input counts as one non-space unit so that
// trimming never eats bytes it does not understand.
UChar32 decode(std::string_view s, int32_t& i) {
  UChar32 c;
  U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, static_cast<int32_t>(s.size()), c);
  return c;
}

bool is_space(UChar32 c) {
  return c >= 0 && u_isUWhiteSpace(c);
}

}  // namespace

std::string trim(std::string_view s) {
  int32_t n = static_cast<int32_t>(s.size());
  int32_t begin = 0;
  while (begin < n) {
    int32_t next = begin;
    if (!is_space(decode(s, next))) break;
    begin = next;
  }
  int32_t end = begin;
  int32_t i = begin;
  while (i < n) {
    UChar32 c = decode(s, i);
    if (!is_space(c)) end = i;
  }
  return std::string(s.substr(begin, end - begin));
}

size_t length(std::string_view s) {
  size_t count = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++count;
  }
  return count;
}

bool valid_utf8(std::string_view s) {
  int32_t n = static_cast<int32_t>(s.size());
  int32_t i = 0;
  while (i < n) {
    if (decode(s, i) < 0) return false;
  }
  return true;
}

}  // namespace catalog::text
