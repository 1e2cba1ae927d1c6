// The subscriber tables in the shared PostgreSQL database of a cluster.
#include "pg/connection.hpp"
#include "subscribers/subscriber_rows.hpp"
#include "subscribers/subscriber_store.hpp"

namespace catalog::subscribers {

namespace {

class PostgresSubscriberStore final : public SubscriberStore {
 public:
  explicit PostgresSubscriberStore(pg::Connection& db) : db_(db) {}

  std::vector<Subscriber> load() override {
    SubscriberRows rows;
    auto subscribers = db_.exec("SELECT chat_id, position FROM subscribers");
    for (int i = 0; i < subscribers.rows(); ++i)
      rows.add_subscriber(subscribers.int64(i, 0), subscribers.int64(i, 1));
    auto follows = db_.exec("SELECT chat_id, kind, entity_id FROM subscriber_follows ORDER BY seq");
    for (int i = 0; i < follows.rows(); ++i)
      rows.add_follow(follows.int64(i, 0), follows.text(i, 1), follows.int64(i, 2));
    auto alerts = db_.exec(
        "SELECT chat_id, product_id, price_shmeckles FROM subscriber_alerts "
        "ORDER BY chat_id, product_id");
    for (int i = 0; i < alerts.rows(); ++i)
      rows.add_alert(alerts.int64(i, 0), alerts.int64(i, 1), alerts.real(i, 2));
    return rows.take();
  }

  bool subscribe(ChatId chat, int64_t position, int64_t now_ms) override {
    return db_.exec(
                  "INSERT INTO subscribers (chat_id, position, subscribed_at) "
                  "VALUES ($1, $2, $3) ON CONFLICT (chat_id) DO NOTHING RETURNING chat_id",
                  {chat, position, now_ms})
               .rows() == 1;
  }

  bool erase(ChatId chat) override {
    // Follows and alerts go with it (ON DELETE CASCADE).
    return db_.exec("DELETE FROM subscribers WHERE chat_id = $1 RETURNING chat_id", {chat})
               .rows() == 1;
  }

  void follow(ChatId chat, FollowKind kind, Id id, int64_t now_ms) override {
    db_.exec(
        "INSERT INTO subscriber_follows (chat_id, kind, entity_id, followed_at) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        {chat, kind_name(kind), id, now_ms});
  }

  void unfollow(ChatId chat, FollowKind kind, Id id) override {
    db_.exec("DELETE FROM subscriber_follows WHERE chat_id = $1 AND kind = $2 AND entity_id = $3",
             {chat, kind_name(kind), id});
  }

  void set_alert(ChatId chat, Id product, double price) override {
    db_.exec(
        "INSERT INTO subscriber_alerts (chat_id, product_id, price_shmeckles) "
        "VALUES ($1, $2, $3) ON CONFLICT (chat_id, product_id) DO UPDATE SET "
        "price_shmeckles = excluded.price_shmeckles",
        {chat, product, price});
  }

  void remove_alert(ChatId chat, Id product) override {
    db_.exec("DELETE FROM subscriber_alerts WHERE chat_id = $1 AND product_id = $2",
             {chat, product});
  }

  void advance(ChatId chat, int64_t position) override {
    db_.exec("UPDATE subscribers SET position = GREATEST(position, $1) WHERE chat_id = $2",
             {position, chat});
  }

  void advance_all(const std::vector<ChatId>& chats, int64_t position) override {
    if (chats.empty()) return;
    // One statement, the ids as an array literal: one round trip for any number of chats.
    std::string ids = "{";
    for (ChatId chat : chats)
      ids += (ids.size() > 1 ? "," : "") + std::to_string(chat);
    ids += "}";
    db_.exec(
        "UPDATE subscribers SET position = GREATEST(position, $1) "
        "WHERE chat_id = ANY($2::bigint[])",
        {position, ids});
  }

  std::optional<int64_t> bot_value(std::string_view name) override {
    auto r = db_.exec("SELECT value FROM bot_state WHERE name = $1", {name});
    if (r.rows() == 0) return std::nullopt;
    return r.int64(0, 0);
  }

  void set_bot_value(std::string_view name, int64_t value) override {
    db_.exec(
        "INSERT INTO bot_state (name, value) VALUES ($1, $2) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        {name, value});
  }

 private:
  pg::Connection& db_;
};

}  // namespace

std::unique_ptr<SubscriberStore> postgres_subscriber_store(pg::Connection& db) {
  return std::make_unique<PostgresSubscriberStore>(db);
}

}  // namespace catalog::subscribers
