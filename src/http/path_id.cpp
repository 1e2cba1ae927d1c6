#include "http/path_id.hpp"

#include <charconv>

#include "http/response.hpp"

namespace catalog::http {

std::string not_found_detail(events::Resource kind, std::string_view id) {
  std::string s(events::resource_name(kind));
  s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s + " " + std::string(id) + " not found";
}

std::optional<events::Id> path_id(const RouteContext& ctx, size_t index, events::Resource kind,
                                  Respond& respond) {
  std::string_view text = ctx.path_ids.at(index);
  std::string_view digits = text;
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
  bool integer =
      !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos;
  if (!integer) {
    respond(parameter_error(ctx.request, "path", "id", "value is not a valid integer",
                            "type_error.integer"));
    return std::nullopt;
  }
  events::Id id = 0;
  std::string_view number = text.front() == '+' ? text.substr(1) : text;
  auto r = std::from_chars(number.data(), number.data() + number.size(), id);
  if (r.ec != std::errc{}) {
    respond(
        error_response(ctx.request, beast_http::status::not_found, not_found_detail(kind, text)));
    return std::nullopt;
  }
  return id;
}

}  // namespace catalog::http
