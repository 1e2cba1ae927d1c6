// The Idempotency-Key header of POST, PUT and DELETE (API.md, "Safe retries"): reading and
// checking it, and turning a command's answer into the answer kept for the key.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "events/command_result.hpp"
#include "http/field_error.hpp"
#include "http/router.hpp"

namespace catalog::http {

// No header: nullopt. A key of 1-200 visible ASCII characters: the key. Anything else: the
// 422 error to answer.
std::variant<std::nullopt_t, std::string, FieldErrors> idempotency_key(const Request& req);

// A fresh key for a mutation a cluster node forwards without one of the client's.
std::string generated_key();

// Builds the answer to a command from its outcome: the success answer or the error's.
using SuccessAnswer = std::function<Response(const Request&, const events::Outcome&)>;
Response answer_for(const Request& req, const events::Outcome& outcome,
                    const SuccessAnswer& success);

// What the catalog needs to keep the answer with the command's events. `req` must outlive
// the command (the session keeps it until it has answered).
events::IdempotencyRequest keyed(const Request& req, std::string key, SuccessAnswer success);

// The HTTP answer to a command's result: the kept answer verbatim when there is one, with
// Catalog-Position either way.
Response result_response(const Request& req, const events::CommandResult& result,
                         const SuccessAnswer& success);

}  // namespace catalog::http
