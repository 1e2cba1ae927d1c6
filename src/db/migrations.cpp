// The migration runner: applies and reverts the numbered schema migrations one
// transaction per revision, and prints the SQL it would run for review.
#include "db/migrations.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <stdexcept>

namespace catalog::db {

namespace {

constexpr std::string_view kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (\n"
    "  revision   INTEGER PRIMARY KEY,\n"
    "  name       TEXT NOT NULL,\n"
    "  applied_at TEXT NOT NULL\n"
    ");\n";
constexpr std::string_view kNow = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

std::string quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

// Makes a script safe to follow with another statement: a last statement without its
// semicolon would otherwise swallow the version-table INSERT that comes next.
std::string terminated(const std::string& sql) {
  std::string out = sql;
  if (!out.empty() && out.back() != '\n') out += '\n';
  if (!sqlite3_complete(out.c_str())) out += ";\n";
  return out;
}

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

std::string format_revision(int revision) {
  if (revision == 0) return "base";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d", revision);
  return buf;
}

Migrator::Migrator(Connection& db, const std::vector<Migration>& migrations)
    : db_(db), migrations_(migrations) {
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
  std::vector<int> revisions;
  {
    // Asked first because a statement naming a missing table would not even prepare.
    Reset exists(db_.cached(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"));
    if (!exists->step()) return revisions;
  }
  Reset rows(db_.cached("SELECT revision FROM schema_migrations ORDER BY revision"));
  while (rows->step())
    revisions.push_back(static_cast<int>(rows->int64(0)));
  return revisions;
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

void Migrator::upgrade(int target, const StepCallback& on_step) {
  check_known();
  check_upgrade_target(target);
  db_.exec(std::string(kCreateVersionTable));
  for (const auto& m : migrations_) {
    if (m.revision > target) break;
    Transaction tx(db_);
    // Read again under the write lock: another process may have migrated meanwhile.
    if (m.revision <= current()) continue;
    try {
      db_.exec(m.up);
      db_.cached(
             "INSERT INTO schema_migrations (revision, name, applied_at) "
             "VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))")
          .bind(1, m.revision)
          .bind(2, m.name)
          .run();
      tx.commit();
    } catch (const Error& e) {
      throw Error(e.code(), "migration " + format_revision(m.revision) + " " + m.name +
                                " failed: " + e.what());
    }
    if (on_step) on_step(m);
  }
}

void Migrator::downgrade(int target, const StepCallback& on_step) {
  check_known();
  check_downgrade_target(target);
  for (auto it = migrations_.rbegin(); it != migrations_.rend(); ++it) {
    const Migration& m = *it;
    if (m.revision <= target) break;
    Transaction tx(db_);
    // Read under the write lock: another process may have reverted it meanwhile.
    auto done = applied();
    if (!std::binary_search(done.begin(), done.end(), m.revision)) continue;
    try {
      db_.exec(m.down);
      db_.cached("DELETE FROM schema_migrations WHERE revision = ?1").bind(1, m.revision).run();
      tx.commit();
    } catch (const Error& e) {
      throw Error(e.code(), "reverting migration " + format_revision(m.revision) + " " + m.name +
                                " failed: " + e.what());
    }
    if (on_step) on_step(m);
  }
}

std::string Migrator::upgrade_sql(int target) {
  check_known();
  check_upgrade_target(target);
  int cur = current();
  if (target == cur)
    return "-- nothing to upgrade: the database is at " + format_revision(cur) + "\n";
  std::string out = "-- upgrade from " + format_revision(cur) + " to " + format_revision(target) +
                    "\n" + std::string(kCreateVersionTable);
  for (const auto& m : migrations_) {
    if (m.revision <= cur) continue;
    if (m.revision > target) break;
    out += "\n-- " + format_revision(m.revision) + " " + m.name + "\nBEGIN IMMEDIATE;\n";
    out += terminated(m.up);
    out += "INSERT INTO schema_migrations (revision, name, applied_at) VALUES (" +
           std::to_string(m.revision) + ", " + quote(m.name) + ", " + std::string(kNow) +
           ");\nCOMMIT;\n";
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
    out += "\n-- " + format_revision(m.revision) + " " + m.name + "\nBEGIN IMMEDIATE;\n";
    out += terminated(m.down);
    out += "DELETE FROM schema_migrations WHERE revision = " + std::to_string(m.revision) +
           ";\nCOMMIT;\n";
  }
  return out;
}

void migrate_to_head(Connection& db) {
  Migrator migrator(db, embedded_migrations());
  migrator.upgrade(migrator.head(), [](const Migration& m) {
    spdlog::info("applied schema migration {} {}", format_revision(m.revision), m.name);
  });
}

}  // namespace catalog::db
