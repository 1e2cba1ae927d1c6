#include "cluster/membership.hpp"

#include "pg/advisory_locks.hpp"

namespace catalog::cluster {

namespace {

const pg::Param lock_space(pg::lock_space);
const pg::Param writer_key(static_cast<int>(pg::AdvisoryLock::writer));

}  // namespace

bool claim_url(pg::Connection& conn, const std::string& url) {
  // A 64-bit key from the URL, in the one-key space of advisory locks, apart from the
  // two-key locks of pg/advisory_locks.hpp.
  return conn
      .exec("SELECT pg_try_advisory_lock(('x' || substr(md5($1), 1, 16))::bit(64)::bigint)", {url})
      .boolean(0, 0);
}

void heartbeat(pg::Connection& conn, const std::string& url, Role role, int64_t position,
               int lock_pid) {
  conn.exec(
      "INSERT INTO cluster_nodes (url, role, position, lock_pid, seen_at) "
      "VALUES ($1, $2, $3, $4, now()) ON CONFLICT (url) DO UPDATE SET role = excluded.role, "
      "position = excluded.position, lock_pid = excluded.lock_pid, seen_at = now()",
      {url, std::string(role_name(role)), position,
       lock_pid > 0 ? pg::Param(lock_pid) : pg::Param(nullptr)});
}

std::vector<Member> members(pg::Connection& conn) {
  auto rows = conn.exec(
      "SELECT url, role, position, "
      "to_char(seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
      "FROM cluster_nodes WHERE seen_at > now() - interval '30 seconds' ORDER BY url");
  std::vector<Member> out;
  for (int i = 0; i < rows.rows(); ++i) {
    out.push_back(Member{std::string(rows.text(i, 0)), std::string(rows.text(i, 1)),
                         rows.int64(i, 2), std::string(rows.text(i, 3))});
  }
  return out;
}

std::optional<std::string> current_writer(pg::Connection& conn) {
  auto rows = conn.exec(
      "SELECT n.url FROM cluster_nodes n JOIN pg_locks l ON l.pid = n.lock_pid "
      "WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 "
      "AND l.granted",
      {lock_space, writer_key});
  if (rows.rows() == 0) return std::nullopt;
  return std::string(rows.text(0, 0));
}

int64_t log_head(pg::Connection& conn) {
  return conn.exec("SELECT coalesce(max(position), 0) FROM events").int64(0, 0);
}

void announce_writer(pg::Connection& conn, const std::string& url, int64_t position) {
  heartbeat(conn, url, Role::writer, position, conn.backend_pid());
  conn.exec("SELECT pg_notify('catalog_writer', $1)", {url});
}

}  // namespace catalog::cluster
