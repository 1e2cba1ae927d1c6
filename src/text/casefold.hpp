// Unicode case folding and trimming for names: `Электроника` and `электроника` are one name.
#pragma once

#include <string>
#include <string_view>

namespace catalog::text {

// Full Unicode case folding (ICU) of UTF-8 text, so that comparisons and substring
// searches ignore case in every script, not only ASCII.
std::string fold(std::string_view utf8);

// Strips leading and trailing Unicode white space, as Python's str.strip() does.
std::string trim(std::string_view utf8);

// The number of code points; the API's length limits count characters, not bytes.
size_t length(std::string_view utf8);

// True when the text is well-formed UTF-8.
bool valid_utf8(std::string_view bytes);

}  // namespace catalog::text
