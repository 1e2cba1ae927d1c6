#include "app/audit_check_command.hpp"

#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>

#include "app/audit_check.hpp"
#include "app/http_call.hpp"
#include "app/progress.hpp"

namespace catalog::app {

namespace {

// http_call speaks plain HTTP to a host and port, and takes no path.
const std::regex url_shape(R"(^http://[^/:@\s]+:[0-9]{1,5}/?$)");

void print_summary(const AuditReport& r) {
  std::cout << "audit check: OK: " << r.events << " events, tree_size " << *r.tree_size
            << ", root_hash " << *r.root_hash << ", signed " << r.timestamp << " by key "
            << r.key_id << "\n";
  if (r.key_pinned_now)
    std::cout << "first audit: the key is now pinned in the state file\n";
  else if (r.previous_size)
    std::cout << "consistent with the saved head of size " << *r.previous_size << "\n";
  std::cout << r.inclusion_proofs << " inclusion proofs verified; the new head is saved\n";
}

nlohmann::json to_json(const AuditReport& r) {
  using nlohmann::json;
  return json{{"ok", r.ok},
              {"tree_size", r.tree_size ? json(*r.tree_size) : json(nullptr)},
              {"root_hash", r.root_hash ? json(*r.root_hash) : json(nullptr)},
              {"events", r.events},
              {"failure", r.ok ? json(nullptr) : json(r.failure)}};
}

}  // namespace

CLI::App* add_audit_check_command(CLI::App& audit, AuditCheckOptions& o) {
  auto* check = audit.add_subcommand(
      "check",
      "audit a running service: verify its signed tree head with the key pinned on first use, "
      "prove it extends the head saved last time, read every event and recompute its hash and "
      "the Merkle root, verify inclusion proofs, then save the new head. Exit 0 when all holds, "
      "1 at the first failure");
  check
      ->add_option("--url", o.url,
                   "the service, as http://host:port (plain HTTP, no TLS: every answer is checked "
                   "by its signature and hashes, not by the connection)")
      ->required()
      ->check(CLI::Validator(
          [](std::string& url) {
            return std::regex_match(url, url_shape) ? std::string()
                                                    : "expected http://host:port, got " + url;
          },
          "http://host:port"));
  check
      ->add_option("--state", o.state_file,
                   "the pinned key and the last verified head, read and replaced atomically; "
                   "one file per audited service (default: in the current directory)")
      ->capture_default_str();
  check->add_flag("--json", o.json,
                  "print one JSON object {ok, tree_size, root_hash, events, failure} on stdout");
  return check;
}

int run_audit_check(const AuditCheckOptions& o) {
  std::string base = o.url;
  if (base.back() == '/') base.pop_back();
  HttpGet get = [&](const std::string& target) {
    return http_call(base, boost::beast::http::verb::get, target);
  };
  Progress progress("audit check");
  AuditReport report = audit_check(get, o.state_file, std::ref(progress));
  if (o.json) std::cout << to_json(report).dump() << std::endl;
  if (!report.ok) {
    std::cerr << "audit check: FAILED: " << report.failure << std::endl;
    return 1;
  }
  if (!o.json) print_summary(report);
  return 0;
}

}  // namespace catalog::app
