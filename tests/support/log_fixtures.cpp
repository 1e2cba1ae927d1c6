#include "support/log_fixtures.hpp"

#include <nlohmann/json.hpp>

#include "db/sqlite.hpp"
#include "events/clock.hpp"
#include "events/event_store.hpp"
#include "events/hash_chain.hpp"

namespace catalog::testing {

void append_tag_events(const std::string& db_path, int first_id, int count) {
  db::Connection db(db_path, db::OpenMode::read_write);
  db::Transaction txn(db);
  events::EventStore store(db);
  auto head = store.head();
  std::string previous = head.position > 0 ? head.hash : std::string(events::genesis_hash);
  for (int i = 0; i < count; ++i) {
    events::RecordedEvent e;
    e.position = head.position + 1 + i;
    int id = first_id + i;
    e.stream = "tag-" + std::to_string(id);
    e.version = 1;
    e.type = "TagCreated";
    e.data = nlohmann::json{{"id", id}, {"name", "метка " + std::to_string(id)}}.dump();
    e.recorded_at = events::now_millis();
    e.hash = events::chain_hash(previous, e);
    store.append(e);
    previous = e.hash;
  }
  txn.commit();
}

}  // namespace catalog::testing
