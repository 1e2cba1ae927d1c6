// The OpenAPI 3 document of the service, built from the router's routes and their
// OperationDocs, with the component schemas of API.md's bodies.
#pragma once

#include <nlohmann/json.hpp>

#include "http/router.hpp"

namespace catalog::http {

nlohmann::json openapi_document(const Router& router);

// The schemas the operations refer to by name (components.schemas).
nlohmann::json openapi_schemas();
// Those of the signing key, signed tree heads and proofs, merged into openapi_schemas().
nlohmann::json audit_proof_schemas();

}  // namespace catalog::http
