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
