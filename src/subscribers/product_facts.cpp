#include "subscribers/product_facts.hpp"

#include <algorithm>

namespace catalog::subscribers {

using namespace catalog::events;

namespace {

void sort_unique(std::vector<Id>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

ProductFacts* ProductFactsTracker::known(Id product, int64_t position) {
  if (auto it = facts_.find(product); it != facts_.end()) return &it->second;
  auto read = lookup_(product, position - 1);
  if (!read) return nullptr;
  return &facts_.emplace(product, std::move(*read)).first->second;
}

void ProductFactsTracker::add_place(const ProductFacts& p, Concern& c) const {
  if (p.category && !deleted_categories_.count(*p.category)) c.categories.push_back(*p.category);
  for (auto t : p.tags)
    if (!deleted_tags_.count(t)) c.tags.push_back(t);
}

Routed ProductFactsTracker::apply(const Event& e, int64_t position) {
  Routed r;
  auto& c = r.concern;
  if (auto* x = std::get_if<NamedCreated>(&e)) {
    (x->kind == Resource::category ? c.categories : c.tags).push_back(x->id);
  } else if (auto* x = std::get_if<NamedRenamed>(&e)) {
    (x->kind == Resource::category ? c.categories : c.tags).push_back(x->id);
  } else if (auto* x = std::get_if<NamedDeleted>(&e)) {
    (x->kind == Resource::category ? c.categories : c.tags).push_back(x->id);
    (x->kind == Resource::category ? deleted_categories_ : deleted_tags_).insert(x->id);
  } else if (auto* x = std::get_if<ProductCreated>(&e)) {
    ProductFacts p{x->fields.category_id, x->fields.tag_ids, x->fields.price_shmeckles};
    c.product = x->id;
    add_place(p, c);
    r.new_price = p.price_shmeckles;
    facts_[x->id] = std::move(p);
  } else if (auto* x = std::get_if<ProductUpdated>(&e)) {
    c.product = x->id;
    if (auto* p = known(x->id, position)) {
      add_place(*p, c);
      const auto& patch = x->changes;
      if (patch.category_id) p->category = *patch.category_id;
      if (patch.tag_ids) p->tags = *patch.tag_ids;
      if (patch.price_shmeckles) {
        p->price_shmeckles = *patch.price_shmeckles;
        r.new_price = *patch.price_shmeckles;
      }
      add_place(*p, c);
    }
  } else if (auto* x = std::get_if<ProductDeleted>(&e)) {
    c.product = x->id;
    if (auto* p = known(x->id, position)) add_place(*p, c);
    facts_.erase(x->id);
  }
  sort_unique(c.categories);
  sort_unique(c.tags);
  return r;
}

}  // namespace catalog::subscribers
