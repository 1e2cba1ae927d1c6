#include "events/decide.hpp"

#include <string>

#include "text/casefold.hpp"

namespace catalog::events {

namespace {

std::string capitalized(Resource kind) {
  std::string s(resource_name(kind));
  s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

DomainError not_found(Resource kind, Id id) {
  return {DomainError::Kind::not_found,
          capitalized(kind) + " " + std::to_string(id) + " not found"};
}

DomainError missing_reference(Resource kind, Id id) {
  return {DomainError::Kind::invalid_reference,
          capitalized(kind) + " " + std::to_string(id) + " does not exist"};
}

DomainError name_taken(Resource kind, const std::string& name) {
  return {DomainError::Kind::conflict,
          capitalized(kind) + " with name '" + name + "' already exists"};
}

std::optional<DomainError> version_mismatch(Resource kind, Id id, int64_t current,
                                            const std::optional<int64_t>& expected) {
  if (!expected || *expected == current) return std::nullopt;
  return DomainError{DomainError::Kind::precondition_failed,
                     capitalized(kind) + " " + std::to_string(id) + " is at version " +
                         std::to_string(current) + ", not " + std::to_string(*expected)};
}

std::optional<DomainError> check_references(const WriteModel& s, const std::optional<Id>& category,
                                            const std::vector<Id>* tags) {
  if (category && !s.named(Resource::category, *category))
    return missing_reference(Resource::category, *category);
  if (tags) {
    for (Id t : *tags) {
      if (!s.named(Resource::tag, t)) return missing_reference(Resource::tag, t);
    }
  }
  return std::nullopt;
}

Decision create_named(const WriteModel& s, const CreateNamed& c) {
  if (s.named_by_folded(c.kind, text::fold(c.name))) return name_taken(c.kind, c.name);
  return std::vector<Event>{NamedCreated{c.kind, s.next_id(c.kind), c.name}};
}

Decision rename_named(const WriteModel& s, const RenameNamed& c) {
  const auto* current = s.named(c.kind, c.id);
  if (!current) return not_found(c.kind, c.id);
  if (auto e = version_mismatch(c.kind, c.id, current->version, c.expected_version)) return *e;
  if (current->name == c.name) return std::vector<Event>{};
  auto holder = s.named_by_folded(c.kind, text::fold(c.name));
  if (holder && *holder != c.id) return name_taken(c.kind, c.name);
  return std::vector<Event>{NamedRenamed{c.kind, c.id, c.name}};
}

Decision delete_named(const WriteModel& s, const DeleteNamed& c) {
  const auto* current = s.named(c.kind, c.id);
  if (!current) return not_found(c.kind, c.id);
  if (auto e = version_mismatch(c.kind, c.id, current->version, c.expected_version)) return *e;
  return std::vector<Event>{NamedDeleted{c.kind, c.id}};
}

Decision create_product(const WriteModel& s, const CreateProduct& c) {
  if (auto e = check_references(s, c.fields.category_id, &c.fields.tag_ids)) return *e;
  return std::vector<Event>{ProductCreated{s.next_id(Resource::product), c.fields}};
}

// Keeps only the fields whose value differs from the current one.
ProductPatch changes_of(const ProductFields& f, const ProductPatch& p) {
  ProductPatch out;
  if (p.name && *p.name != f.name) out.name = p.name;
  if (p.description && *p.description != f.description) out.description = p.description;
  if (p.image_url && *p.image_url != f.image_url) out.image_url = p.image_url;
  if (p.price_shmeckles && *p.price_shmeckles != f.price_shmeckles)
    out.price_shmeckles = p.price_shmeckles;
  if (p.price_flurbos && *p.price_flurbos != f.price_flurbos) out.price_flurbos = p.price_flurbos;
  if (p.category_id && *p.category_id != f.category_id) out.category_id = p.category_id;
  if (p.tag_ids && *p.tag_ids != f.tag_ids) out.tag_ids = p.tag_ids;
  return out;
}

Decision update_product(const WriteModel& s, const UpdateProduct& c) {
  auto current = s.product(c.id);
  if (!current) return not_found(Resource::product, c.id);
  if (auto e = version_mismatch(Resource::product, c.id, current->version, c.expected_version))
    return *e;
  std::optional<Id> category = c.patch.category_id ? *c.patch.category_id : std::nullopt;
  if (auto e = check_references(s, category, c.patch.tag_ids ? &*c.patch.tag_ids : nullptr))
    return *e;
  ProductPatch changes = changes_of(current->fields, c.patch);
  if (changes.empty()) return std::vector<Event>{};
  return std::vector<Event>{ProductUpdated{c.id, std::move(changes)}};
}

Decision delete_product(const WriteModel& s, const DeleteProduct& c) {
  auto version = s.product_version(c.id);
  if (!version) return not_found(Resource::product, c.id);
  if (auto e = version_mismatch(Resource::product, c.id, *version, c.expected_version)) return *e;
  return std::vector<Event>{ProductDeleted{c.id}};
}

}  // namespace

Decision decide(const WriteModel& s, const Command& command) {
  return std::visit(
      [&s](const auto& c) -> Decision {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, CreateNamed>) return create_named(s, c);
        if constexpr (std::is_same_v<C, RenameNamed>) return rename_named(s, c);
        if constexpr (std::is_same_v<C, DeleteNamed>) return delete_named(s, c);
        if constexpr (std::is_same_v<C, CreateProduct>) return create_product(s, c);
        if constexpr (std::is_same_v<C, UpdateProduct>) return update_product(s, c);
        if constexpr (std::is_same_v<C, DeleteProduct>) return delete_product(s, c);
      },
      command);
}

Outcome outcome_of(const WriteModel& s, const Command& command, const std::vector<Event>& events) {
  return std::visit(
      [&](const auto& c) -> Outcome {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, CreateNamed>) {
          return s.named_view(c.kind, entity_id(events.at(0)));
        } else if constexpr (std::is_same_v<C, RenameNamed>) {
          return s.named_view(c.kind, c.id);
        } else if constexpr (std::is_same_v<C, CreateProduct>) {
          return s.product_view(entity_id(events.at(0)));
        } else if constexpr (std::is_same_v<C, UpdateProduct>) {
          return s.product_view(c.id);
        } else {
          return Deleted{};
        }
      },
      command);
}

}  // namespace catalog::events
