// The subscriber tables in the node's SQLite file.
#include "db/sqlite.hpp"
#include "subscribers/subscriber_rows.hpp"
#include "subscribers/subscriber_store.hpp"

namespace catalog::subscribers {

namespace {

class SqliteSubscriberStore final : public SubscriberStore {
 public:
  explicit SqliteSubscriberStore(db::Connection& db) : db_(db) {}

  std::vector<Subscriber> load() override {
    SubscriberRows rows;
    {
      db::Reset s(db_.cached("SELECT chat_id, position FROM subscribers"));
      while (s->step())
        rows.add_subscriber(s->int64(0), s->int64(1));
    }
    {
      db::Reset s(
          db_.cached("SELECT chat_id, kind, entity_id FROM subscriber_follows ORDER BY rowid"));
      while (s->step())
        rows.add_follow(s->int64(0), s->text(1), s->int64(2));
    }
    {
      db::Reset s(
          db_.cached("SELECT chat_id, product_id, price_shmeckles FROM subscriber_alerts "
                     "ORDER BY chat_id, product_id"));
      while (s->step())
        rows.add_alert(s->int64(0), s->int64(1), s->real(2));
    }
    return rows.take();
  }

  bool subscribe(ChatId chat, int64_t position, int64_t now_ms) override {
    db_.cached(
           "INSERT INTO subscribers (chat_id, position, subscribed_at) VALUES (?, ?, ?) "
           "ON CONFLICT (chat_id) DO NOTHING")
        .bind(1, chat)
        .bind(2, position)
        .bind(3, now_ms)
        .run();
    return db_.changes() == 1;
  }

  bool erase(ChatId chat) override {
    db::Transaction txn(db_);
    for (auto sql : {"DELETE FROM subscriber_follows WHERE chat_id = ?",
                     "DELETE FROM subscriber_alerts WHERE chat_id = ?"})
      db_.cached(sql).bind(1, chat).run();
    db_.cached("DELETE FROM subscribers WHERE chat_id = ?").bind(1, chat).run();
    bool was = db_.changes() == 1;
    txn.commit();
    return was;
  }

  void follow(ChatId chat, FollowKind kind, Id id, int64_t now_ms) override {
    db_.cached(
           "INSERT INTO subscriber_follows (chat_id, kind, entity_id, followed_at) "
           "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(1, chat)
        .bind(2, kind_name(kind))
        .bind(3, id)
        .bind(4, now_ms)
        .run();
  }

  void unfollow(ChatId chat, FollowKind kind, Id id) override {
    db_.cached("DELETE FROM subscriber_follows WHERE chat_id = ? AND kind = ? AND entity_id = ?")
        .bind(1, chat)
        .bind(2, kind_name(kind))
        .bind(3, id)
        .run();
  }

  void set_alert(ChatId chat, Id product, double price) override {
    db_.cached(
           "INSERT INTO subscriber_alerts (chat_id, product_id, price_shmeckles) VALUES (?, ?, ?) "
           "ON CONFLICT (chat_id, product_id) DO UPDATE SET "
           "price_shmeckles = excluded.price_shmeckles")
        .bind(1, chat)
        .bind(2, product)
        .bind(3, price)
        .run();
  }

  void remove_alert(ChatId chat, Id product) override {
    db_.cached("DELETE FROM subscriber_alerts WHERE chat_id = ? AND product_id = ?")
        .bind(1, chat)
        .bind(2, product)
        .run();
  }

  void advance(ChatId chat, int64_t position) override {
    db_.cached("UPDATE subscribers SET position = max(position, ?) WHERE chat_id = ?")
        .bind(1, position)
        .bind(2, chat)
        .run();
  }

  void advance_all(const std::vector<ChatId>& chats, int64_t position) override {
    db::Transaction txn(db_);
    for (ChatId chat : chats)
      advance(chat, position);
    txn.commit();
  }

  std::optional<int64_t> bot_value(std::string_view name) override {
    db::Reset s(db_.cached("SELECT value FROM bot_state WHERE name = ?"));
    s->bind(1, name);
    if (!s->step()) return std::nullopt;
    return s->int64(0);
  }

  void set_bot_value(std::string_view name, int64_t value) override {
    db_.cached(
           "INSERT INTO bot_state (name, value) VALUES (?, ?) "
           "ON CONFLICT (name) DO UPDATE SET value = excluded.value")
        .bind(1, name)
        .bind(2, value)
        .run();
  }

 private:
  db::Connection& db_;
};

}  // namespace

std::unique_ptr<SubscriberStore> sqlite_subscriber_store(db::Connection& db) {
  return std::make_unique<SqliteSubscriberStore>(db);
}

}  // namespace catalog::subscribers
