#include "events/write_model.hpp"

#include <algorithm>
#include <stdexcept>

#include "text/casefold.hpp"

namespace catalog::events {

namespace {

[[noreturn]] void inconsistent(Resource kind, Id id, std::string_view what) {
  throw std::logic_error("event for " + stream_name(kind, id) + " " + std::string(what));
}

}  // namespace

WriteModel::Names& WriteModel::names(Resource kind) {
  return kind == Resource::category ? categories_ : tags_;
}

const WriteModel::Names& WriteModel::names(Resource kind) const {
  return kind == Resource::category ? categories_ : tags_;
}

const NamedState* WriteModel::named(Resource kind, Id id) const {
  const auto& n = names(kind);
  auto it = n.by_id.find(id);
  return it == n.by_id.end() ? nullptr : &it->second;
}

std::optional<Id> WriteModel::named_by_folded(Resource kind, std::string_view folded) const {
  const auto& n = names(kind);
  auto it = n.by_folded.find(std::string(folded));
  if (it == n.by_folded.end()) return std::nullopt;
  return it->second;
}

std::optional<ProductState> WriteModel::product(Id id) const {
  return products_.find(id);
}

std::optional<int64_t> WriteModel::product_version(Id id) const {
  return products_.version(id);
}

Id WriteModel::next_id(Resource kind) const {
  return (kind == Resource::product ? last_product_id_ : names(kind).last_id) + 1;
}

int64_t WriteModel::next_version(Resource kind, Id id) const {
  if (kind == Resource::product) {
    auto v = product_version(id);
    return v ? *v + 1 : 1;
  }
  const auto* n = named(kind, id);
  return n ? n->version + 1 : 1;
}

NamedView WriteModel::named_view(Resource kind, Id id) const {
  const auto* n = named(kind, id);
  if (!n) inconsistent(kind, id, "has no state");
  return NamedView{id, n->name, n->version};
}

ProductView WriteModel::product_view(Id id) const {
  auto p = product(id);
  if (!p) inconsistent(Resource::product, id, "has no state");
  ProductView v;
  v.id = id;
  v.name = p->fields.name;
  v.description = p->fields.description;
  v.image_url = p->fields.image_url;
  v.price_shmeckles = p->fields.price_shmeckles;
  v.price_flurbos = p->fields.price_flurbos;
  if (p->fields.category_id) v.category = named_view(Resource::category, *p->fields.category_id);
  v.tags.reserve(p->fields.tag_ids.size());
  for (Id t : p->fields.tag_ids)
    v.tags.push_back(named_view(Resource::tag, t));
  v.version = p->version;
  v.created_at = p->created_at;
  v.updated_at = p->updated_at;
  return v;
}

void WriteModel::remember(std::function<void()> undo) {
  if (journaling_) undo_.push_back(std::move(undo));
}

void WriteModel::remember_product(Id id) {
  if (journaling_)
    undo_.push_back(
        [this, id, before = products_.packed(id)] { products_.put_packed(id, before); });
}

void WriteModel::begin_batch() {
  journaling_ = true;
  undo_.clear();
}

void WriteModel::commit_batch() {
  journaling_ = false;
  undo_.clear();
}

void WriteModel::rollback_batch() {
  journaling_ = false;
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it)
    (*it)();
  undo_.clear();
}

void WriteModel::create_named(Resource kind, Id id, const std::string& name) {
  auto& n = names(kind);
  if (id <= n.last_id) inconsistent(kind, id, "reuses an id");
  std::string folded = text::fold(name);
  if (n.by_folded.count(folded)) inconsistent(kind, id, "repeats a name");
  remember([&n, id, folded, last = n.last_id] {
    n.by_id.erase(id);
    n.by_folded.erase(folded);
    n.last_id = last;
  });
  n.by_folded.emplace(folded, id);
  n.by_id.emplace(id, NamedState{name, std::move(folded), 1});
  n.last_id = id;
}

void WriteModel::rename_named(Resource kind, Id id, const std::string& name) {
  auto& n = names(kind);
  auto it = n.by_id.find(id);
  if (it == n.by_id.end()) inconsistent(kind, id, "renames what does not exist");
  NamedState before = it->second;
  std::string folded = text::fold(name);
  auto taken = n.by_folded.find(folded);
  if (taken != n.by_folded.end() && taken->second != id) inconsistent(kind, id, "takes a name");
  remember([&n, id, before, folded] {
    n.by_folded.erase(folded);
    n.by_folded[before.folded] = id;
    n.by_id[id] = before;
  });
  n.by_folded.erase(before.folded);
  n.by_folded[folded] = id;
  it->second = NamedState{name, std::move(folded), before.version + 1};
}

void WriteModel::delete_named(Resource kind, Id id) {
  auto& n = names(kind);
  auto it = n.by_id.find(id);
  if (it == n.by_id.end()) inconsistent(kind, id, "deletes what does not exist");
  NamedState before = it->second;
  remember([&n, id, before] {
    n.by_folded[before.folded] = id;
    n.by_id[id] = before;
  });
  n.by_folded.erase(before.folded);
  n.by_id.erase(it);
  // Deleting a category leaves its products without one; deleting a tag takes it off every
  // product. Neither changes the products' own versions: their streams hold no event.
  // The references are read without the strings; only the products that hold `id` are
  // decoded and written again.
  products_.for_each_references([&](Id pid, const ProductsById::References& r) {
    bool holds = kind == Resource::category
                     ? r.category_id == id
                     : std::binary_search(r.tag_ids.begin(), r.tag_ids.end(), id);
    if (!holds) return;
    remember_product(pid);
    ProductState p = *products_.find(pid);
    auto& f = p.fields;
    if (kind == Resource::category) {
      f.category_id.reset();
    } else {
      f.tag_ids.erase(std::lower_bound(f.tag_ids.begin(), f.tag_ids.end(), id));
    }
    products_.put(pid, p);
  });
}

void WriteModel::create_product(Id id, const ProductFields& fields, Millis at) {
  if (id <= last_product_id_) inconsistent(Resource::product, id, "reuses an id");
  remember([this, id, last = last_product_id_] {
    products_.erase(id);
    last_product_id_ = last;
  });
  products_.put(id, ProductState{fields, 1, at, at});
  last_product_id_ = id;
}

void WriteModel::update_product(Id id, const ProductPatch& patch, Millis at) {
  auto found = products_.find(id);
  if (!found) inconsistent(Resource::product, id, "updates what does not exist");
  ProductState& p = *found;
  remember_product(id);
  auto& f = p.fields;
  if (patch.name) f.name = *patch.name;
  if (patch.description) f.description = *patch.description;
  if (patch.image_url) f.image_url = *patch.image_url;
  if (patch.price_shmeckles) f.price_shmeckles = *patch.price_shmeckles;
  if (patch.price_flurbos) f.price_flurbos = *patch.price_flurbos;
  if (patch.category_id) f.category_id = *patch.category_id;
  if (patch.tag_ids) f.tag_ids = *patch.tag_ids;
  p.version += 1;
  p.updated_at = at;
  products_.put(id, p);
}

void WriteModel::delete_product(Id id) {
  if (!products_.contains(id)) inconsistent(Resource::product, id, "deletes what does not exist");
  remember_product(id);
  products_.erase(id);
}

void WriteModel::apply(const Event& e, Millis recorded_at) {
  if (auto* x = std::get_if<NamedCreated>(&e)) {
    create_named(x->kind, x->id, x->name);
  } else if (auto* x = std::get_if<NamedRenamed>(&e)) {
    rename_named(x->kind, x->id, x->name);
  } else if (auto* x = std::get_if<NamedDeleted>(&e)) {
    delete_named(x->kind, x->id);
  } else if (auto* x = std::get_if<ProductCreated>(&e)) {
    create_product(x->id, x->fields, recorded_at);
  } else if (auto* x = std::get_if<ProductUpdated>(&e)) {
    update_product(x->id, x->changes, recorded_at);
  } else if (auto* x = std::get_if<ProductDeleted>(&e)) {
    delete_product(x->id);
  }
}

}  // namespace catalog::events
