#include "http/response.hpp"

#include <nlohmann/json.hpp>

namespace catalog::http {

Response json_response(const Request& req, beast_http::status status, std::string body) {
  Response res{status, req.version()};
  res.set(beast_http::field::content_type, json_content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response empty_response(const Request& req, beast_http::status status) {
  Response res{status, req.version()};
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

Response error_response(const Request& req, beast_http::status status, std::string_view detail) {
  // Details can quote client input (a name), so they go through the JSON encoder, which
  // replaces invalid UTF-8 rather than failing.
  nlohmann::json body{{"detail", detail}};
  return json_response(req, status,
                       body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Response validation_response(const Request& req, const FieldErrors& errors) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : errors)
    list.push_back({{"loc", e.loc}, {"msg", e.msg}, {"type", e.type}});
  nlohmann::json body{{"detail", std::move(list)}};
  return json_response(req, beast_http::status::unprocessable_entity,
                       body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Response parameter_error(const Request& req, std::string_view where, std::string_view name,
                         std::string_view msg, std::string_view type) {
  return validation_response(
      req, {FieldError{nlohmann::json::array({where, name}), std::string(msg), std::string(type)}});
}

Response domain_error_response(const Request& req, const events::DomainError& error) {
  using Kind = events::DomainError::Kind;
  auto status = beast_http::status::internal_server_error;
  switch (error.kind) {
    case Kind::not_found:
      status = beast_http::status::not_found;
      break;
    case Kind::conflict:
      status = beast_http::status::conflict;
      break;
    case Kind::invalid_reference:
      status = beast_http::status::unprocessable_entity;
      break;
    case Kind::precondition_failed:
      status = beast_http::status::precondition_failed;
      break;
    case Kind::key_reused:
      // FastAPI's form of a 422: the header is the field in error.
      return parameter_error(req, "header", "idempotency-key", error.detail,
                             "value_error.idempotency_key_reused");
    case Kind::unavailable:
    case Kind::not_writer:
    case Kind::outcome_unknown: {
      // Retrying is the cure for each of these; with an Idempotency-Key it is safe.
      auto res = error_response(req, beast_http::status::service_unavailable, error.detail);
      res.set(beast_http::field::retry_after, "1");
      return res;
    }
    case Kind::internal:
      status = beast_http::status::internal_server_error;
      break;
  }
  return error_response(req, status, error.detail);
}

void set_etag(Response& res, int64_t version) {
  res.set(beast_http::field::etag, "\"" + std::to_string(version) + "\"");
}

}  // namespace catalog::http
