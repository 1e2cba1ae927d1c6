// The event log of a single node: the events table of its SQLite file, appended through the
// catalog actor's write connection (synchronous=FULL: a commit is on disk when it returns).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "db/writer.hpp"
#include "events/store/event_log.hpp"
#include "merkle/tree.hpp"

namespace catalog::events::store {

class SqliteLog : public EventLog {
 public:
  SqliteLog(const std::string& path, bool sql_echo) : writer_(path, true, sql_echo) {}

  Head head() override { return EventStore(writer_.get()).head(); }
  std::vector<RecordedEvent> read_after(int64_t after, int64_t limit) override {
    return EventStore(writer_.get()).read_after(after, limit);
  }
  int64_t for_each_after(int64_t after, const std::function<void(const RecordedEvent&)>& visit,
                         int64_t until) override {
    return EventStore(writer_.get()).for_each_after(after, visit, until);
  }
  void append(const Head& expected, const std::vector<RecordedEvent>& events,
              const std::vector<KeptAnswer>& answers) override;
  std::vector<KeptAnswer> find_answers(const std::vector<std::string>& keys) override;
  void forget_old_answers() override;
  void recover() override { writer_.recover(); }

 private:
  db::Writer writer_;
  // The right edge of the Merkle tree after the last committed append, so that appending
  // reads nothing back; emptied when an append fails, and read again from the database.
  std::optional<merkle::Frontier> tree_edge_;
};

}  // namespace catalog::events::store
