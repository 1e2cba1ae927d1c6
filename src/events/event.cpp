#include "events/event.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace catalog::events {

using nlohmann::json;

bool ProductPatch::empty() const {
  return !name && !description && !image_url && !price_shmeckles && !price_flurbos &&
         !category_id && !tag_ids;
}

std::string_view resource_name(Resource r) {
  switch (r) {
    case Resource::category:
      return "category";
    case Resource::tag:
      return "tag";
    case Resource::product:
      return "product";
  }
  return "?";
}

namespace {

std::string_view type_prefix(Resource r) {
  switch (r) {
    case Resource::category:
      return "Category";
    case Resource::tag:
      return "Tag";
    case Resource::product:
      return "Product";
  }
  return "?";
}

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

std::string_view suffix(const Event& e) {
  return std::visit(overloaded{[](const NamedCreated&) { return "Created"; },
                               [](const NamedRenamed&) { return "Renamed"; },
                               [](const NamedDeleted&) { return "Deleted"; },
                               [](const ProductCreated&) { return "Created"; },
                               [](const ProductUpdated&) { return "Updated"; },
                               [](const ProductDeleted&) { return "Deleted"; }},
                    e);
}

template <class T>
json nullable(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

template <class T>
std::optional<T> read_nullable(const json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<T>();
}

json product_fields_json(Id id, const ProductFields& f) {
  return json{{"id", id},
              {"name", f.name},
              {"description", nullable(f.description)},
              {"image_url", nullable(f.image_url)},
              {"price_shmeckles", f.price_shmeckles},
              {"price_flurbos", f.price_flurbos},
              {"category_id", nullable(f.category_id)},
              {"tag_ids", f.tag_ids}};
}

json patch_json(Id id, const ProductPatch& p) {
  json j{{"id", id}};
  if (p.name) j["name"] = *p.name;
  if (p.description) j["description"] = nullable(*p.description);
  if (p.image_url) j["image_url"] = nullable(*p.image_url);
  if (p.price_shmeckles) j["price_shmeckles"] = *p.price_shmeckles;
  if (p.price_flurbos) j["price_flurbos"] = *p.price_flurbos;
  if (p.category_id) j["category_id"] = nullable(*p.category_id);
  if (p.tag_ids) j["tag_ids"] = *p.tag_ids;
  return j;
}

ProductFields read_fields(const json& j) {
  ProductFields f;
  f.name = j.at("name").get<std::string>();
  f.description = read_nullable<std::string>(j.at("description"));
  f.image_url = read_nullable<std::string>(j.at("image_url"));
  f.price_shmeckles = j.at("price_shmeckles").get<double>();
  f.price_flurbos = j.at("price_flurbos").get<double>();
  f.category_id = read_nullable<Id>(j.at("category_id"));
  f.tag_ids = j.at("tag_ids").get<std::vector<Id>>();
  return f;
}

ProductPatch read_patch(const json& j) {
  ProductPatch p;
  if (auto it = j.find("name"); it != j.end()) p.name = it->get<std::string>();
  if (auto it = j.find("description"); it != j.end())
    p.description = read_nullable<std::string>(*it);
  if (auto it = j.find("image_url"); it != j.end()) p.image_url = read_nullable<std::string>(*it);
  if (auto it = j.find("price_shmeckles"); it != j.end()) p.price_shmeckles = it->get<double>();
  if (auto it = j.find("price_flurbos"); it != j.end()) p.price_flurbos = it->get<double>();
  if (auto it = j.find("category_id"); it != j.end()) p.category_id = read_nullable<Id>(*it);
  if (auto it = j.find("tag_ids"); it != j.end()) p.tag_ids = it->get<std::vector<Id>>();
  return p;
}

}  // namespace

Resource resource_of(const Event& e) {
  return std::visit(overloaded{[](const NamedCreated& x) { return x.kind; },
                               [](const NamedRenamed& x) { return x.kind; },
                               [](const NamedDeleted& x) { return x.kind; },
                               [](const auto&) { return Resource::product; }},
                    e);
}

Id entity_id(const Event& e) {
  return std::visit([](const auto& x) { return x.id; }, e);
}

std::string type_name(const Event& e) {
  std::string out(type_prefix(resource_of(e)));
  out += suffix(e);
  return out;
}

std::string stream_name(Resource r, Id id) {
  std::string out(resource_name(r));
  out += '-';
  out += std::to_string(id);
  return out;
}

std::string stream_name(const Event& e) {
  return stream_name(resource_of(e), entity_id(e));
}

json to_json(const Event& e) {
  return std::visit(
      overloaded{[](const NamedCreated& x) {
                   return json{{"id", x.id}, {"name", x.name}};
                 },
                 [](const NamedRenamed& x) {
                   return json{{"id", x.id}, {"name", x.name}};
                 },
                 [](const NamedDeleted& x) {
                   return json{{"id", x.id}};
                 },
                 [](const ProductCreated& x) { return product_fields_json(x.id, x.fields); },
                 [](const ProductUpdated& x) { return patch_json(x.id, x.changes); },
                 [](const ProductDeleted& x) {
                   return json{{"id", x.id}};
                 }},
      e);
}

Event from_json(std::string_view type, const json& data) {
  try {
    Id id = data.at("id").get<Id>();
    for (Resource r : {Resource::category, Resource::tag}) {
      std::string_view prefix = type_prefix(r);
      if (type.substr(0, prefix.size()) != prefix) continue;
      std::string_view rest = type.substr(prefix.size());
      if (rest == "Created") return NamedCreated{r, id, data.at("name").get<std::string>()};
      if (rest == "Renamed") return NamedRenamed{r, id, data.at("name").get<std::string>()};
      if (rest == "Deleted") return NamedDeleted{r, id};
    }
    if (type == "ProductCreated") return ProductCreated{id, read_fields(data)};
    if (type == "ProductUpdated") return ProductUpdated{id, read_patch(data)};
    if (type == "ProductDeleted") return ProductDeleted{id};
  } catch (const json::exception& ex) {
    throw std::invalid_argument("malformed " + std::string(type) + " event: " + ex.what());
  }
  throw std::invalid_argument("unknown event type " + std::string(type));
}

}  // namespace catalog::events
