// Building responses: JSON bodies with the right headers, and the error bodies of API.md
// ({"detail": "..."} or FastAPI's list of field errors).
#pragma once

#include <boost/beast/http.hpp>
#include <string>
#include <string_view>

#include "events/domain_error.hpp"
#include "http/field_error.hpp"

namespace catalog::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;

inline constexpr std::string_view json_content_type = "application/json; charset=utf-8";

Response json_response(const Request& req, beast_http::status status, std::string body);
Response empty_response(const Request& req, beast_http::status status);
Response error_response(const Request& req, beast_http::status status, std::string_view detail);
// 422 with {"detail": [{"loc": [...], "msg": "...", "type": "..."}, ...]}.
Response validation_response(const Request& req, const FieldErrors& errors);
// 422 for one bad query or path parameter.
Response parameter_error(const Request& req, std::string_view where, std::string_view name,
                         std::string_view msg, std::string_view type);
// The status and body API.md gives each kind of refused command.
Response domain_error_response(const Request& req, const events::DomainError& error);
// `ETag: "<version>"`.
void set_etag(Response& res, int64_t version);

}  // namespace catalog::http
