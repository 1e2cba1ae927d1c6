#include "app/seed_command.hpp"

#include <iostream>

#include "actors/runtime.hpp"
#include "app/demo_catalog.hpp"
#include "db/migrations.hpp"
#include "db/sqlite.hpp"
#include "projections/read_model.hpp"

namespace catalog::app {

namespace {

using events::Id;
using events::Resource;

struct Tally {
  int created = 0;
  int present = 0;
};

// The id an outcome names; a refusal stops the seed with its reason.
Id created_id(const events::Outcome& o) {
  if (const auto* e = std::get_if<events::DomainError>(&o)) throw std::runtime_error(e->detail);
  if (const auto* n = std::get_if<events::NamedView>(&o)) return n->id;
  return std::get<events::ProductView>(o).id;
}

}  // namespace

int run_seed(const std::string& path) {
  {
    db::Connection conn(path, db::OpenMode::read_write_create);
    db::configure(conn, true);
    db::migrate_to_head(conn);
  }
  metrics::Metrics metrics;
  actors::Runtime runtime(path, false, metrics);
  db::Connection reads(path, db::OpenMode::read_only);
  projections::ReadModel model(reads);
  const auto& demo = demo_catalog();

  // Looked up by name before each command: what is there already is reused, not repeated.
  // Each answer comes after the read model shows the change, so the next lookup sees it.
  std::map<std::string, Id> ids[2];
  Tally named, products;
  auto ensure_named = [&](Resource kind, const std::string& name) {
    auto& known = ids[kind == Resource::category ? 0 : 1];
    if (auto id = model.named_id(kind, name)) {
      known[name] = *id;
      ++named.present;
      return;
    }
    known[name] = created_id(runtime.execute(events::CreateNamed{kind, name}));
    ++named.created;
  };
  for (const auto& c : demo.categories)
    ensure_named(Resource::category, c);
  for (const auto& t : demo.tags)
    ensure_named(Resource::tag, t);

  for (const auto& p : demo.products) {
    if (model.product_id(p.name)) {
      ++products.present;
      continue;
    }
    events::ProductFields f;
    f.name = p.name;
    f.description = p.description;
    f.image_url = p.image_url;
    f.price_shmeckles = p.price_shmeckles;
    f.price_flurbos = p.price_flurbos;
    f.category_id = ids[0].at(p.category);
    for (const auto& t : p.tags)
      f.tag_ids.push_back(ids[1].at(t));
    std::sort(f.tag_ids.begin(), f.tag_ids.end());
    created_id(runtime.execute(events::CreateProduct{std::move(f)}));
    ++products.created;
  }
  runtime.stop();
  std::cout << "seeded " << path << ": " << named.created << " categories and tags and "
            << products.created << " products created, " << named.present + products.present
            << " already there" << std::endl;
  return 0;
}

}  // namespace catalog::app
