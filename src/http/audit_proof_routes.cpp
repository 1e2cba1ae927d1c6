// Proofs for auditors (API.md): the signing key, signed tree heads, and inclusion and
// consistency proofs over the log's Merkle tree. Each answer reads O(log n) stored hashes of
// the node's SQLite file (on a cluster node, its copy of the shared log), the upper levels
// from the process's cache.
#include <nlohmann/json.hpp>

#include "events/clock.hpp"
#include "events/event_store.hpp"
#include "http/query_readers.hpp"
#include "http/response.hpp"
#include "http/routes.hpp"
#include "merkle/signing_key.hpp"
#include "merkle/sqlite_tree.hpp"
#include "merkle/tree_head.hpp"

namespace catalog::http {

namespace {

using beast_http::status;
using beast_http::verb;
using nlohmann::json;

FieldError missing(std::string_view name) {
  return {query_loc(name), "field required", "value_error.missing"};
}

FieldError out_of_range(std::string_view name, const std::string& why) {
  return {query_loc(name), why, "value_error.number.out_of_range"};
}

// A tree size: `name` if given (1 <= value <= head), else the head. nullopt with an error.
std::optional<int64_t> read_size(const QueryParams& query, std::string_view name, int64_t head,
                                 FieldErrors& errors) {
  auto value = read_int(query, name, errors);
  if (!value) return last(query, name) ? std::nullopt : std::optional<int64_t>(head);
  if (*value < 1 || *value > head) {
    errors.push_back(
        out_of_range(name, std::string(name) + " must be from 1 to the head of the log, " +
                               std::to_string(head) + "; it is " + std::to_string(*value)));
    return std::nullopt;
  }
  return value;
}

// A required position-like value in [1, upper]; `upper_name` says what bounds it.
std::optional<int64_t> read_required(const QueryParams& query, std::string_view name, int64_t upper,
                                     std::string_view upper_name, FieldErrors& errors) {
  if (!last(query, name)) {
    errors.push_back(missing(name));
    return std::nullopt;
  }
  auto value = read_int(query, name, errors);
  if (!value) return std::nullopt;
  if (*value < 1 || *value > upper) {
    errors.push_back(out_of_range(name, std::string(name) + " must be from 1 to " +
                                            std::string(upper_name) + ", " + std::to_string(upper) +
                                            "; it is " + std::to_string(*value)));
    return std::nullopt;
  }
  return value;
}

json hex_list(const std::vector<merkle::Hash>& hashes) {
  json out = json::array();
  for (const auto& h : hashes)
    out.push_back(merkle::to_hex(h));
  return out;
}

// The key's absence on a cluster node is a configuration to fix, not a failure of the request.
bool require_key(const Services& svc, const Request& req, Respond& respond) {
  if (svc.signing_key) return true;
  respond(error_response(req, status::service_unavailable,
                         "this node has no signing key: set CATALOG_SIGNING_KEY_FILE to the key "
                         "file that every node of the cluster shares"));
  return false;
}

// Reads the head and the nodes of the answer in one read transaction: a consistent view, and
// one lock of the database file instead of one per statement (an inclusion proof at 1M events
// took 38-40 us with a lock per statement, 30 us so). A damaged tree (a node missing) is a 503
// that says so.
template <class Answer>
void with_tree(const Services& svc, const Request& req, Respond& respond, Answer answer) {
  try {
    auto& db = svc.reads->get();
    db::Transaction snapshot(db, db::Transaction::Kind::deferred);
    int64_t head = events::EventStore(db).head().position;
    merkle::SqliteTree tree(db, svc.tree_nodes.get());
    Response answered = answer(tree, head);
    snapshot.commit();
    respond(std::move(answered));
  } catch (const std::exception& ex) {
    respond(error_response(req, status::service_unavailable,
                           std::string("the Merkle tree could not be read: ") + ex.what()));
  }
}

ParamDoc size_param(std::string name, std::string description) {
  return query_int(std::move(name), std::move(description), 1);
}

}  // namespace

void add_audit_proof_routes(Router& router, const Services& svc) {
  router.add(verb::get, "/audit/key",
             OperationDoc("proofs", "The public key that signs tree heads")
                 .describe("Pin it on first use: a tree head signed by another key is not this "
                           "log's.")
                 .returns(200, "The Ed25519 public key", "AuditKey")
                 .fails({503}),
             [svc](RouteContext& ctx, Respond respond) {
               if (!require_key(svc, ctx.request, respond)) return;
               json body{{"algorithm", "Ed25519"},
                         {"public_key", svc.signing_key->public_pem()},
                         {"key_id", svc.signing_key->key_id()}};
               respond(json_response(ctx.request, status::ok, body.dump()));
             });

  router.add(
      verb::get, "/audit/tree-head",
      OperationDoc("proofs", "A signed tree head")
          .describe("The Merkle tree head of the whole log, or of its first tree_size events, "
                    "signed now. Keep it: later heads must prove consistent with it.")
          .param(size_param("tree_size", "The size of the head (default: the whole log)"))
          .returns(200, "The signed head", "TreeHead")
          .fails({422, 503}),
      [svc](RouteContext& ctx, Respond respond) {
        if (!require_key(svc, ctx.request, respond)) return;
        with_tree(svc, ctx.request, respond,
                  [&](merkle::SqliteTree& tree, int64_t head) -> Response {
                    FieldErrors errors;
                    auto size = read_size(ctx.query, "tree_size", head, errors);
                    if (!errors.empty()) return validation_response(ctx.request, errors);
                    // An empty log has the empty tree (RFC 9162: MTH({}) = SHA-256 of nothing), so
                    // an auditor can pin the key and a first head before anything is written.
                    merkle::Hash root =
                        *size == 0 ? merkle::sha256("") : merkle::root(tree.fetcher(), *size);
                    merkle::SignedTreeHead signed_head{*size,
                                                       merkle::to_hex(root),
                                                       events::format_iso(events::now_millis()),
                                                       svc.signing_key->key_id(),
                                                       {}};
                    signed_head.signature =
                        svc.signing_key->sign_base64(merkle::tree_head_message(signed_head));
                    json body{{"tree_size", signed_head.tree_size},
                              {"root_hash", signed_head.root_hash},
                              {"timestamp", signed_head.timestamp},
                              {"key_id", signed_head.key_id},
                              {"signature", signed_head.signature}};
                    return json_response(ctx.request, status::ok, body.dump());
                  });
      });

  router.add(
      verb::get, "/audit/proof/inclusion",
      OperationDoc("proofs", "Prove an event is in the tree")
          .describe("RFC 9162 §2.1.3: the audit path of the event at position in the "
                    "tree of tree_size leaves.")
          .param(ParamDoc{"position",
                          "query",
                          {{"type", "integer"}, {"minimum", 1}},
                          "The event's position",
                          true})
          .param(size_param("tree_size", "The tree's size (default: the whole log)"))
          .returns(200, "The audit path", "InclusionProof")
          .fails({422, 503}),
      [svc](RouteContext& ctx, Respond respond) {
        with_tree(
            svc, ctx.request, respond, [&](merkle::SqliteTree& tree, int64_t head) -> Response {
              FieldErrors errors;
              auto size = read_size(ctx.query, "tree_size", head, errors);
              auto position =
                  read_required(ctx.query, "position", size.value_or(head), "tree_size", errors);
              if (!errors.empty()) return validation_response(ctx.request, errors);
              auto leaf = tree.fetch({{0, *position - 1}}).front();
              json body{{"position", *position},
                        {"tree_size", *size},
                        {"leaf_hash", merkle::to_hex(leaf)},
                        {"audit_path",
                         hex_list(merkle::inclusion_path(tree.fetcher(), *position - 1, *size))}};
              return json_response(ctx.request, status::ok, body.dump());
            });
      });

  router.add(
      verb::get, "/audit/proof/consistency",
      OperationDoc("proofs", "Prove a later tree extends an earlier one")
          .describe("RFC 9162 §2.1.4: the consistency proof from the tree of first "
                    "leaves to the tree of second leaves; empty when they are equal.")
          .param(ParamDoc{"first",
                          "query",
                          {{"type", "integer"}, {"minimum", 1}},
                          "The older size, e.g. of a head kept earlier",
                          true})
          .param(size_param("second", "The newer size (default: the whole log)"))
          .returns(200, "The consistency path", "ConsistencyProof")
          .fails({422, 503}),
      [svc](RouteContext& ctx, Respond respond) {
        with_tree(
            svc, ctx.request, respond, [&](merkle::SqliteTree& tree, int64_t head) -> Response {
              FieldErrors errors;
              auto second = read_size(ctx.query, "second", head, errors);
              auto first =
                  read_required(ctx.query, "first", second.value_or(head), "second", errors);
              if (!errors.empty()) return validation_response(ctx.request, errors);
              json body{{"first", *first},
                        {"second", *second},
                        {"consistency_path",
                         hex_list(merkle::consistency_path(tree.fetcher(), *first, *second))}};
              return json_response(ctx.request, status::ok, body.dump());
            });
      });
}

}  // namespace catalog::http
