// The parameters of a URL's query string, decoded the way Starlette hands them to FastAPI.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace catalog::http {

using QueryParam = std::pair<std::string, std::string>;
using QueryParams = std::vector<QueryParam>;

// Splits the part after `?` into (name, value) pairs in their order: `+` is a space, `%XX`
// escapes are decoded (an invalid escape is kept as written), a pair without `=` has an
// empty value, and empty pairs (`a=1&&b=2`) are skipped. Bytes that do not form UTF-8
// become U+FFFD, as in Python's unquote, so every name and value is valid UTF-8.
QueryParams parse_query_string(std::string_view raw);

// The value of the first / last parameter with this name. FastAPI reads the last one
// for a scalar parameter, so handlers that mimic it should use `last`.
std::optional<std::string> first(const QueryParams& params, std::string_view name);
std::optional<std::string> last(const QueryParams& params, std::string_view name);

}  // namespace catalog::http
