// The SQL of cluster membership: each node's heartbeat row, the node that holds the writer
// lock, and the lock on a node's URL that keeps two live nodes from sharing one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cluster/node_state.hpp"
#include "pg/connection.hpp"

namespace catalog::cluster {

// Takes the lock on this node's URL for the session's life. False while another session
// (a live node started with the same CATALOG_NODE_URL) holds it.
bool claim_url(pg::Connection& conn, const std::string& url);

// Writes this node's heartbeat row (PostgreSQL's clock).
void heartbeat(pg::Connection& conn, const std::string& url, Role role, int64_t position,
               int lock_pid);

// The nodes seen in the last 30 s, by URL.
std::vector<Member> members(pg::Connection& conn);

// The URL of the node whose session holds the writer lock now, if any.
std::optional<std::string> current_writer(pg::Connection& conn);

// The head of the shared log.
int64_t log_head(pg::Connection& conn);

// Said by a node that has just won the writer lock, on the connection that holds it: its
// row names the backend, and the other nodes are woken to look.
void announce_writer(pg::Connection& conn, const std::string& url, int64_t position);

}  // namespace catalog::cluster
