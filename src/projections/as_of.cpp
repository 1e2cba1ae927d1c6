#include "projections/as_of.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "events/write_model.hpp"

namespace catalog::projections {

using namespace catalog::events;

namespace {

constexpr int64_t unlimited = INT64_MAX;

// Every category and tag the product's events ever name: the streams whose state at `at`
// the answer needs.
void collect_references(const Event& e, std::set<Id>& categories, std::set<Id>& tags) {
  if (const auto* c = std::get_if<ProductCreated>(&e)) {
    if (c->fields.category_id) categories.insert(*c->fields.category_id);
    tags.insert(c->fields.tag_ids.begin(), c->fields.tag_ids.end());
  } else if (const auto* u = std::get_if<ProductUpdated>(&e)) {
    if (u->changes.category_id && *u->changes.category_id)
      categories.insert(**u->changes.category_id);
    if (u->changes.tag_ids) tags.insert(u->changes.tag_ids->begin(), u->changes.tag_ids->end());
  }
}

}  // namespace

std::optional<ProductView> product_as_of(EventStore& store, Id id, int64_t at) {
  auto history = store.read_stream(stream_name(Resource::product, id), 0, unlimited, at);
  if (history.empty()) return std::nullopt;
  std::set<Id> categories, tags;
  std::vector<std::pair<RecordedEvent, Event>> all;
  for (auto& rec : history) {
    Event e = from_json(rec.type, nlohmann::json::parse(rec.data));
    collect_references(e, categories, tags);
    all.emplace_back(std::move(rec), std::move(e));
  }
  auto add_stream = [&](Resource kind, Id ref) {
    for (auto& rec : store.read_stream(stream_name(kind, ref), 0, unlimited, at)) {
      Event e = from_json(rec.type, nlohmann::json::parse(rec.data));
      all.emplace_back(std::move(rec), std::move(e));
    }
  };
  for (Id c : categories)
    add_stream(Resource::category, c);
  for (Id t : tags)
    add_stream(Resource::tag, t);
  // Folded in log order, the few streams behave as the whole log did for this product: a
  // category deleted before `at` is gone from it, a tag renamed shows its name of then.
  std::sort(all.begin(), all.end(),
            [](const auto& a, const auto& b) { return a.first.position < b.first.position; });
  WriteModel model;
  for (const auto& [rec, e] : all)
    model.apply(e, rec.recorded_at);
  if (!model.product(id)) return std::nullopt;
  return model.product_view(id);
}

std::optional<NamedView> named_as_of(EventStore& store, Resource kind, Id id, int64_t at) {
  WriteModel model;
  for (const auto& rec : store.read_stream(stream_name(kind, id), 0, unlimited, at))
    model.apply(from_json(rec.type, nlohmann::json::parse(rec.data)), rec.recorded_at);
  if (!model.named(kind, id)) return std::nullopt;
  return model.named_view(kind, id);
}

}  // namespace catalog::projections
