// The migration runner: applies and reverts the numbered schema migrations one
// transaction per revision, and prints the SQL it would run for review.
#include "db/migrations.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <stdexcept>

#include "db/code_steps.hpp"
#include "pg/connection.hpp"

namespace catalog::db {

namespace {

std::optional<int> parse_number(std::string_view digits, bool& out_of_range) {
  out_of_range = false;
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec == std::errc::result_out_of_range) {
    out_of_range = true;
    return std::nullopt;
  }
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

}  // namespace

std::string sql_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string format_revision(int revision) {
  if (revision == 0) return "base";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d", revision);
  return buf;
}

Migrator::Migrator(Connection& db, const std::vector<Migration>& migrations)
    : owned_(sqlite_schema(db)), db_(*owned_), migrations_(migrations) {
  sort_and_check();
}

Migrator::Migrator(SchemaDatabase& db, const std::vector<Migration>& migrations)
    : db_(db), migrations_(migrations) {
  sort_and_check();
}

void Migrator::sort_and_check() {
  std::sort(migrations_.begin(), migrations_.end(),
            [](const Migration& a, const Migration& b) { return a.revision < b.revision; });
  for (std::size_t i = 0; i < migrations_.size(); ++i) {
    if (migrations_[i].revision <= 0) {
      throw std::invalid_argument("migration " + migrations_[i].name +
                                  " has a revision that is not positive");
    }
    if (i > 0 && migrations_[i].revision == migrations_[i - 1].revision) {
      throw std::invalid_argument("two migrations share revision " +
                                  format_revision(migrations_[i].revision));
    }
  }
}

std::vector<int> Migrator::applied() {
  return db_.applied();
}

int Migrator::current() {
  auto revisions = applied();
  return revisions.empty() ? 0 : revisions.back();
}

std::vector<int> Migrator::pending() {
  int cur = current();
  std::vector<int> out;
  for (const auto& m : migrations_) {
    if (m.revision > cur) out.push_back(m.revision);
  }
  return out;
}

const Migration* Migrator::find(int revision) const {
  auto it = std::find_if(migrations_.begin(), migrations_.end(),
                         [revision](const Migration& m) { return m.revision == revision; });
  return it == migrations_.end() ? nullptr : &*it;
}

std::string Migrator::known_range() const {
  if (migrations_.empty()) return "none";
  std::string first = format_revision(migrations_.front().revision);
  if (migrations_.size() == 1) return first;
  return first + ".." + format_revision(migrations_.back().revision);
}

void Migrator::check_known() {
  for (int revision : applied()) {
    if (!find(revision)) {
      throw std::runtime_error("the database has schema revision " + format_revision(revision) +
                               ", which this binary does not know (known: " + known_range() +
                               "); it was migrated by a newer catalog");
    }
  }
}

void Migrator::check_upgrade_target(int target) {
  if (target != 0 && !find(target)) {
    throw std::invalid_argument("unknown revision " + format_revision(target) +
                                " (known: " + known_range() + ")");
  }
  int cur = current();
  if (target < cur) {
    throw std::invalid_argument("cannot upgrade to " + format_revision(target) +
                                ": the database is already at " + format_revision(cur) +
                                " (use downgrade to go back)");
  }
}

void Migrator::check_downgrade_target(int target) {
  if (target != 0 && !find(target)) {
    throw std::invalid_argument("unknown revision " + format_revision(target) +
                                " (known: " + known_range() + ")");
  }
  int cur = current();
  if (target > cur) {
    throw std::invalid_argument("cannot downgrade to " + format_revision(target) +
                                ": the database is at " + format_revision(cur) +
                                " (use upgrade to go forward)");
  }
}

int Migrator::resolve_upgrade_target(std::string_view spec) {
  check_known();
  if (spec == "head") return head();
  bool out_of_range = false;
  if (!spec.empty() && spec.front() == '+') {
    auto steps = parse_number(spec.substr(1), out_of_range);
    if (steps && *steps > 0) {
      auto ahead = pending();
      if (static_cast<std::size_t>(*steps) > ahead.size()) {
        throw std::invalid_argument("cannot upgrade " + std::string(spec) + ": only " +
                                    plural(ahead.size(), "revision") + " pending");
      }
      return ahead[*steps - 1];
    }
  } else if (auto revision = parse_number(spec, out_of_range)) {
    check_upgrade_target(*revision);
    return *revision;
  } else if (out_of_range) {
    throw std::invalid_argument("unknown revision " + std::string(spec) +
                                " (known: " + known_range() + ")");
  }
  throw std::invalid_argument("invalid upgrade target '" + std::string(spec) +
                              "' (expected head, a revision such as 0002, or +N)");
}

int Migrator::resolve_downgrade_target(std::string_view spec) {
  check_known();
  if (spec == "base") return 0;
  bool out_of_range = false;
  if (!spec.empty() && spec.front() == '-') {
    auto steps = parse_number(spec.substr(1), out_of_range);
    if (steps && *steps > 0) {
      int cur = current();
      std::vector<int> below;  // known revisions up to current, the ones -N walks back over
      for (const auto& m : migrations_) {
        if (m.revision <= cur) below.push_back(m.revision);
      }
      auto n = static_cast<std::size_t>(*steps);
      if (n > below.size()) {
        throw std::invalid_argument("cannot downgrade " + std::string(spec) +
                                    ": the database is at " + format_revision(cur) + ", only " +
                                    plural(below.size(), "revision") + " above base");
      }
      return n == below.size() ? 0 : below[below.size() - n - 1];
    }
  } else if (auto revision = parse_number(spec, out_of_range)) {
    check_downgrade_target(*revision);
    return *revision;
  } else if (out_of_range) {
    throw std::invalid_argument("unknown revision " + std::string(spec) +
                                " (known: " + known_range() + ")");
  }
  throw std::invalid_argument("invalid downgrade target '" + std::string(spec) +
                              "' (expected -N, a revision such as 0001, or base)");
}

namespace {

// Keeps the failing revision in the message and the kind of error, so that callers can
// still tell a SQLite result code or a PostgreSQL SQLSTATE.
[[noreturn]] void rethrow_for(const Migration& m, std::string_view doing) {
  std::string prefix =
      std::string(doing) + format_revision(m.revision) + " " + m.name + " failed: ";
  try {
    throw;
  } catch (const Error& e) {
    throw Error(e.code(), prefix + e.what());
  } catch (const pg::Error& e) {
    throw pg::Error(prefix + e.what(), e.sqlstate(), e.connection_lost());
  }
}

}  // namespace

void Migrator::upgrade(int target, const StepCallback& on_step) {
  check_known();
  check_upgrade_target(target);
  db_.with_schema_lock([&] {
    db_.create_version_table();
    for (const auto& m : migrations_) {
      if (m.revision > target) break;
      bool applied_now = false;
      try {
        db_.transaction([&] {
          // Read again under the lock: another process may have migrated meanwhile.
          if (m.revision <= current()) return;
          db_.exec(script(m, true));
          db_.complete(m);
          db_.record(m);
          applied_now = true;
        });
      } catch (const Error&) {
        rethrow_for(m, "migration ");
      } catch (const pg::Error&) {
        rethrow_for(m, "migration ");
      }
      if (applied_now && on_step) on_step(m);
    }
  });
}

void Migrator::downgrade(int target, const StepCallback& on_step) {
  check_known();
  check_downgrade_target(target);
  db_.with_schema_lock([&] {
    for (auto it = migrations_.rbegin(); it != migrations_.rend(); ++it) {
      const Migration& m = *it;
      if (m.revision <= target) break;
      bool reverted_now = false;
      try {
        db_.transaction([&] {
          // Read under the lock: another process may have reverted it meanwhile.
          auto done = applied();
          if (!std::binary_search(done.begin(), done.end(), m.revision)) return;
          db_.exec(script(m, false));
          db_.forget(m.revision);
          reverted_now = true;
        });
      } catch (const Error&) {
        rethrow_for(m, "reverting migration ");
      } catch (const pg::Error&) {
        rethrow_for(m, "reverting migration ");
      }
      if (reverted_now && on_step) on_step(m);
    }
  });
}

std::string Migrator::upgrade_sql(int target) {
  check_known();
  check_upgrade_target(target);
  int cur = current();
  if (target == cur)
    return "-- nothing to upgrade: the database is at " + format_revision(cur) + "\n";
  std::string out = "-- upgrade from " + format_revision(cur) + " to " + format_revision(target) +
                    "\n" + db_.version_table_sql();
  for (const auto& m : migrations_) {
    if (m.revision <= cur) continue;
    if (m.revision > target) break;
    out += "\n-- " + format_revision(m.revision) + " " + m.name + "\n" + db_.begin_sql();
    out += db_.terminated(script(m, true));
    out += db_.record_sql(m) + "COMMIT;\n";
  }
  return out;
}

std::string Migrator::downgrade_sql(int target) {
  check_known();
  check_downgrade_target(target);
  auto done = applied();
  int cur = done.empty() ? 0 : done.back();
  if (target == cur) {
    return "-- nothing to downgrade: the database is at " + format_revision(cur) + "\n";
  }
  std::string out =
      "-- downgrade from " + format_revision(cur) + " to " + format_revision(target) + "\n";
  for (auto it = migrations_.rbegin(); it != migrations_.rend(); ++it) {
    const Migration& m = *it;
    if (m.revision <= target) break;
    if (!std::binary_search(done.begin(), done.end(), m.revision)) continue;
    out += "\n-- " + format_revision(m.revision) + " " + m.name + "\n" + db_.begin_sql();
    out += db_.terminated(script(m, false));
    out += db_.forget_sql(m.revision) + "COMMIT;\n";
  }
  return out;
}

namespace {

void upgrade_to_head(Migrator& migrator, std::string_view where) {
  migrator.upgrade(migrator.head(), [where](const Migration& m) {
    spdlog::info("applied schema migration {} {}{}", format_revision(m.revision), m.name, where);
  });
}

}  // namespace

void migrate_to_head(Connection& db) {
  Migrator migrator(db, embedded_migrations());
  upgrade_to_head(migrator, "");
  complete_in_code(db);
}

void migrate_to_head(pg::Connection& db) {
  auto schema = postgres_schema(db);
  Migrator migrator(*schema, embedded_migrations());
  upgrade_to_head(migrator, " (PostgreSQL)");
}

}  // namespace catalog::db
