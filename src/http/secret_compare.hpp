// Comparing a secret a client sent (a bearer token, the webhook's secret) with the expected one.
#pragma once

#include <string_view>

namespace catalog::http {

// Compares digests, not the strings: the time taken says nothing about where the guess went
// wrong, nor about the secret's length.
bool constant_time_equal(std::string_view given, std::string_view expected);

}  // namespace catalog::http
