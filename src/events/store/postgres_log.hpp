// The event log of a cluster: the events table of the shared PostgreSQL database. One
// connection, which is also the one that holds the writer lock: PostgreSQL elects the writer
// (a session-level advisory lock) and fences a stale one (its append function refuses a
// session without the lock and a batch that does not continue the head), so the service
// runs no protocol of its own. The connection is never silently reopened as the writer's:
// once it is lost, the lock is gone with it, and the node must win it again.
#pragma once

#include <memory>
#include <string>

#include "events/store/event_log.hpp"
#include "pg/connection.hpp"

namespace catalog::events::store {

class PostgresLog : public EventLog {
 public:
  PostgresLog(std::string url, bool sql_echo);

  // Opens the connection if it is not open (without the lock). Throws pg::Error.
  void connect();
  bool connected() const { return conn_ && conn_->ok(); }
  void disconnect() { conn_.reset(); }
  // Takes the writer lock if no other session holds it. Throws pg::Error.
  bool try_become_writer();
  // Whether this session still holds the writer lock: the writer's ping. Throws pg::Error.
  bool holds_writer_lock();
  int backend_pid() const { return conn_ ? conn_->backend_pid() : 0; }
  // The connection itself, for the writer's announcement (cluster/membership.hpp).
  pg::Connection& connection() { return conn(); }

  Head head() override;
  std::vector<RecordedEvent> read_after(int64_t after, int64_t limit) override;
  int64_t for_each_after(int64_t after, const std::function<void(const RecordedEvent&)>& visit,
                         int64_t until) override;
  // One stream's events with position > after, in order.
  std::vector<RecordedEvent> read_stream(const std::string& stream, int64_t after);
  void append(const Head& expected, const std::vector<RecordedEvent>& events,
              const std::vector<KeptAnswer>& answers) override;
  std::vector<KeptAnswer> find_answers(const std::vector<std::string>& keys) override;
  void forget_old_answers() override;
  void recover() override {
    if (!connected()) disconnect();
  }

 private:
  pg::Connection& conn();
  std::string url_;
  bool sql_echo_;
  std::unique_ptr<pg::Connection> conn_;
};

// Events as the JSON array that catalog_append and copy-log's insert read (data and
// recorded_at as the exact text that was hashed).
std::string events_json(const std::vector<RecordedEvent>& events);

// Reads events from a PostgreSQL log by position, on any connection.
std::vector<RecordedEvent> read_events_after(pg::Connection& conn, int64_t after, int64_t limit);

}  // namespace catalog::events::store
