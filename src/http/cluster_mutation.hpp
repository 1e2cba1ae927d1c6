// A mutation on a cluster node. Decided here when this node holds the writer lock, else
// forwarded to the node that does, always with an Idempotency-Key (the client's or one made
// here), so that trying again is safe: while there is no writer, or the writer is lost
// before it answers, the mutation is tried again, with the same key, for up to 5 s. A
// forwarded answer is passed back once this node's read model has its position, so a read
// that follows it here sees the change. After 5 s without an answer the client gets 503
// with the key, to retry with.
#pragma once

#include <string>

#include "events/command.hpp"
#include "http/idempotency_key.hpp"
#include "http/router.hpp"
#include "http/services.hpp"

namespace catalog::http {

// The header that marks a forwarded request: its value is the forwarding node's URL. A
// request that carries it is never forwarded again.
inline constexpr std::string_view forwarded_header = "Catalog-Forwarded";

void relay_mutation(const Services& services, const Request& request, events::Command command,
                    SuccessAnswer success, Respond respond, std::string key);

}  // namespace catalog::http
