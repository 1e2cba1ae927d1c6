// The component schemas of "Proofs for auditors" (API.md). The examples show the shapes only:
// their hashes belong to no log.
#include "http/openapi.hpp"

namespace catalog::http {

using nlohmann::json;

namespace {

json hex_hash(std::string description, std::string example) {
  return {{"type", "string"},
          {"pattern", "^[0-9a-f]{64}$"},
          {"description", std::move(description)},
          {"example", std::move(example)}};
}

json hex_list(std::string description) {
  return {{"type", "array"},
          {"items", {{"type", "string"}, {"pattern", "^[0-9a-f]{64}$"}}},
          {"description", std::move(description)}};
}

json size(std::string description, int64_t example) {
  return {{"type", "integer"},
          {"minimum", 1},
          {"description", std::move(description)},
          {"example", example}};
}

constexpr const char* key_id_example =
    "4d5f0dbd3be5fcbba0b8ca0b4b87f8c6d0ec0cc1bb9c2ab8a8a1f2c3d4e5f6a7";

}  // namespace

json audit_proof_schemas() {
  json key{{"type", "object"},
           {"required", {"algorithm", "public_key", "key_id"}},
           {"properties",
            {{"algorithm", {{"type", "string"}, {"enum", {"Ed25519"}}}},
             {"public_key",
              {{"type", "string"},
               {"description", "PEM SubjectPublicKeyInfo"},
               {"example",
                "-----BEGIN PUBLIC "
                "KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
                "-----END PUBLIC KEY-----\n"}}},
             {"key_id", hex_hash("hex SHA-256 of the DER SubjectPublicKeyInfo", key_id_example)}}}};
  json head{
      {"type", "object"},
      {"required", {"tree_size", "root_hash", "timestamp", "key_id", "signature"}},
      {"description",
       "Signed over the UTF-8 bytes of "
       "\"catalog-tree-head-v1\\n{tree_size}\\n{root_hash}\\n{timestamp}\" (no trailing newline)"},
      {"properties",
       {{"tree_size",
         {{"type", "integer"},
          {"minimum", 0},
          {"description",
           "Leaves covered: the last position of the log it covers (0 for an empty log, whose "
           "root_hash is the SHA-256 of nothing)"},
          {"example", 4}}},
        {"root_hash", hex_hash("RFC 9162 MTH of the first tree_size event hashes",
                               "9b0e0c6c8b1b8f3e1b5c2f7b3e0d8d1a4f3c2b1a09f8e7d6c5b4a39281706f5e")},
        {"timestamp",
         {{"type", "string"},
          {"format", "date-time"},
          {"description", "UTC time of signing, milliseconds"},
          {"example", "2026-11-24T14:00:00.123Z"}}},
        {"key_id", hex_hash("The key of GET /audit/key", key_id_example)},
        {"signature",
         {{"type", "string"},
          {"description", "Ed25519 signature, standard padded base64 (88 characters)"},
          {"minLength", 88},
          {"maxLength", 88}}}}}};
  json inclusion{
      {"type", "object"},
      {"required", {"position", "tree_size", "leaf_hash", "audit_path"}},
      {"properties",
       {{"position", size("The event proven", 3)},
        {"tree_size", size("The tree it is proven in", 4)},
        {"leaf_hash", hex_hash("SHA-256(0x00 || the 32 bytes of the event's hash)",
                               "2a2d6e2e4d0e2ce4a3b6e5d7f1c9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1")},
        {"audit_path", hex_list("RFC 9162 §2.1.3: the sibling hashes, leaf side first")}}}};
  json consistency{
      {"type", "object"},
      {"required", {"first", "second", "consistency_path"}},
      {"properties",
       {{"first", size("The older tree size", 2)},
        {"second", size("The newer tree size", 4)},
        {"consistency_path", hex_list("RFC 9162 §2.1.4; empty when first = second")}}}};
  return {{"AuditKey", std::move(key)},
          {"TreeHead", std::move(head)},
          {"InclusionProof", std::move(inclusion)},
          {"ConsistencyProof", std::move(consistency)}};
}

}  // namespace catalog::http
