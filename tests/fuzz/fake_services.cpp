// Answers commands without the write model: the router's answers to every DomainError kind
// and to every success shape are what is under test, not decide().
#include "fake_services.hpp"

#include <string>
#include <variant>

#include "metrics/metrics.hpp"

namespace catalog::fuzz {

namespace {

using namespace events;
using Kind = DomainError::Kind;

constexpr Millis kCreated = 1764000000000;
constexpr Millis kUpdated = 1764000005000;
constexpr int64_t kCurrentVersion = 3;
constexpr Id kLastId = 100;

// A refusal that depends only on what every command has: its entity and If-Match.
std::optional<DomainError> refusal(Resource kind, Id id, std::optional<int64_t> expected) {
  if (id <= 0 || id > kLastId) {
    return DomainError{Kind::not_found,
                       std::string(resource_name(kind)) + " " + std::to_string(id) + " not found"};
  }
  if (expected && *expected != kCurrentVersion) {
    return DomainError{Kind::precondition_failed, "version is " + std::to_string(kCurrentVersion) +
                                                      ", not " + std::to_string(*expected)};
  }
  return std::nullopt;
}

// Names are echoed in details, as the real conflict answer does, so the JSON encoding of
// client text in error bodies is fuzzed too.
std::optional<DomainError> name_refusal(const std::string& name) {
  if (name.starts_with("taken")) return DomainError{Kind::conflict, "'" + name + "' is taken"};
  if (name.starts_with("full")) return DomainError{Kind::unavailable, "disk full"};
  if (name.starts_with("bug")) return DomainError{Kind::internal, "state and event disagree"};
  return std::nullopt;
}

std::optional<DomainError> reference_refusal(const std::optional<Id>& category,
                                             const std::vector<Id>& tags) {
  if (category && (*category < 1 || *category > 2)) {
    return DomainError{Kind::invalid_reference,
                       "category " + std::to_string(*category) + " does not exist"};
  }
  for (Id tag : tags) {
    if (tag < 1 || tag > 3) {
      return DomainError{Kind::invalid_reference, "tag " + std::to_string(tag) + " does not exist"};
    }
  }
  return std::nullopt;
}

NamedView named(Id id, std::string name, int64_t version) {
  return NamedView{id, std::move(name), version};
}

ProductView product_view(Id id, const ProductFields& f, int64_t version, Millis updated) {
  ProductView v;
  v.id = id;
  v.name = f.name;
  v.description = f.description;
  v.image_url = f.image_url;
  v.price_shmeckles = f.price_shmeckles;
  v.price_flurbos = f.price_flurbos;
  if (f.category_id) v.category = named(*f.category_id, "category", 1);
  for (Id tag : f.tag_ids)
    v.tags.push_back(named(tag, "tag " + std::to_string(tag), 1));
  v.version = version;
  v.created_at = kCreated;
  v.updated_at = updated;
  return v;
}

// The product every update starts from.
ProductFields base_product() {
  ProductFields f;
  f.name = "base";
  f.price_shmeckles = 1;
  f.price_flurbos = 2;
  f.category_id = 1;
  f.tag_ids = {1};
  return f;
}

Outcome answer(const CreateNamed& c) {
  if (auto error = name_refusal(c.name)) return *error;
  return named(kLastId + 1, c.name, 1);
}

Outcome answer(const RenameNamed& c) {
  if (auto error = refusal(c.kind, c.id, c.expected_version)) return *error;
  if (auto error = name_refusal(c.name)) return *error;
  return named(c.id, c.name, kCurrentVersion + 1);
}

Outcome answer(const DeleteNamed& c) {
  if (auto error = refusal(c.kind, c.id, c.expected_version)) return *error;
  return Deleted{};
}

Outcome answer(const CreateProduct& c) {
  if (auto error = name_refusal(c.fields.name)) return *error;
  if (auto error = reference_refusal(c.fields.category_id, c.fields.tag_ids)) return *error;
  return product_view(kLastId + 1, c.fields, 1, kCreated);
}

Outcome answer(const UpdateProduct& c) {
  if (auto error = refusal(Resource::product, c.id, c.expected_version)) return *error;
  ProductFields f = base_product();
  const ProductPatch& p = c.patch;
  if (p.name) f.name = *p.name;
  if (p.description) f.description = *p.description;
  if (p.image_url) f.image_url = *p.image_url;
  if (p.price_shmeckles) f.price_shmeckles = *p.price_shmeckles;
  if (p.price_flurbos) f.price_flurbos = *p.price_flurbos;
  if (p.category_id) f.category_id = *p.category_id;
  if (p.tag_ids) f.tag_ids = *p.tag_ids;
  if (auto error = name_refusal(f.name)) return *error;
  if (auto error = reference_refusal(f.category_id, f.tag_ids)) return *error;
  // An update that changes nothing records no event and keeps the version.
  bool changed = !(f == base_product());
  return product_view(c.id, f, changed ? kCurrentVersion + 1 : kCurrentVersion,
                      changed ? kUpdated : kCreated);
}

Outcome answer(const DeleteProduct& c) {
  if (auto error = refusal(Resource::product, c.id, c.expected_version)) return *error;
  return Deleted{};
}

}  // namespace

Outcome fake_outcome(const Command& command) {
  return std::visit([](const auto& c) { return answer(c); }, command);
}

http::Services fake_services(SeededCatalog& catalog) {
  static metrics::Metrics metrics;
  http::Services s;
  s.submit = [](Command command, std::optional<catalog::events::IdempotencyRequest>,
                std::function<void(catalog::events::CommandResult)> reply) {
    reply({fake_outcome(command), 0, std::nullopt});
  };
  s.reads = &catalog.reads();
  // Inline: the audit then answers before dispatch returns, like every other route here.
  s.run_blocking = [](std::function<void()> work) { work(); };
  s.database_path = catalog.path();
  // Never reached: without a connection to take, /events/stream answers before subscribing.
  s.live.subscribe = [](uint64_t, std::function<void(http::EventBatch)>, std::function<void()>) {};
  s.live.unsubscribe = [](uint64_t) {};
  s.metrics = &metrics;
  return s;
}

}  // namespace catalog::fuzz
