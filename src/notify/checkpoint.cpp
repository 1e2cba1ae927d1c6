#include "notify/checkpoint.hpp"

#include <string_view>

namespace catalog::notify {

namespace {
constexpr std::string_view checkpoint_name = "telegram";
}

int64_t read_checkpoint(db::Connection& db) {
  db::Reset s(db.cached("SELECT position FROM notifier_checkpoints WHERE name = ?"));
  s->bind(1, checkpoint_name);
  return s->step() ? s->int64(0) : -1;
}

void write_checkpoint(db::Connection& db, int64_t position) {
  db.cached(
        "INSERT INTO notifier_checkpoints (name, position) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET position = excluded.position")
      .bind(1, checkpoint_name)
      .bind(2, position)
      .run();
}

}  // namespace catalog::notify

namespace catalog::notify {

int64_t read_checkpoint(pg::Connection& db) {
  auto r = db.exec("SELECT position FROM notifier_checkpoints WHERE name = $1",
                   {std::string(checkpoint_name)});
  return r.rows() ? r.int64(0, 0) : -1;
}

void write_checkpoint(pg::Connection& db, int64_t position) {
  db.exec(
      "INSERT INTO notifier_checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) "
      "DO UPDATE SET position = GREATEST(notifier_checkpoints.position, excluded.position)",
      {std::string(checkpoint_name), position});
}

void start_checkpoint(pg::Connection& db, int64_t head) {
  db.exec(
      "INSERT INTO notifier_checkpoints (name, position) VALUES ($1, $2) "
      "ON CONFLICT (name) DO NOTHING",
      {std::string(checkpoint_name), head});
}

}  // namespace catalog::notify
