// The subscriber tables of revision 0010 in the shared PostgreSQL database of a cluster,
// on a real throwaway PostgreSQL, against the same contract as the SQLite tables.
#include <catch2/catch.hpp>

#include "db/migrations.hpp"
#include "pg/connection.hpp"
#include "support/subscriber_store_contract.hpp"
#include "support/temp_postgres.hpp"

using namespace catalog;

TEST_CASE("the PostgreSQL subscriber store keeps subscribers, follows, alerts and positions") {
  testing::TempPostgres pg;
  {
    pg::Connection setup(pg::ConnectOptions{pg.url()});
    db::migrate_to_head(setup);
  }
  std::unique_ptr<pg::Connection> conn;
  testing::check_subscriber_store([&] {
    conn = std::make_unique<pg::Connection>(pg::ConnectOptions{pg.url()});
    return subscribers::postgres_subscriber_store(*conn);
  });
  // Erasing a chat took its follows and alerts with it.
  CHECK(pg.sql("SELECT count(*) FROM subscriber_follows WHERE chat_id = 42") == "0");
  CHECK(pg.sql("SELECT count(*) FROM subscriber_alerts WHERE chat_id = 42") == "0");
}
