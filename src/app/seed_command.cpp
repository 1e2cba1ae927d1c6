#include "app/seed_command.hpp"

#include <openssl/sha.h>

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "actors/runtime.hpp"
#include "app/demo_catalog.hpp"
#include "app/http_call.hpp"
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

std::string url_encoded(const std::string& text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// The id an outcome names; a refusal stops the seed with its reason.
Id created_id(const events::Outcome& o) {
  if (const auto* e = std::get_if<events::DomainError>(&o)) throw std::runtime_error(e->detail);
  if (const auto* n = std::get_if<events::NamedView>(&o)) return n->id;
  return std::get<events::ProductView>(o).id;
}

// The demo catalog through a running node's API, with one Idempotency-Key per item: a run
// cut short and started again neither repeats nor loses one.
int seed_through(const std::string& node) {
  using beast_http = boost::beast::http::verb;
  auto json_of = [&](const std::string& target) {
    auto r = http_call(node, beast_http::get, target);
    if (r.status != 200)
      throw std::runtime_error("GET " + target + " answered " + std::to_string(r.status));
    return nlohmann::json::parse(r.body);
  };
  auto post = [&](const std::string& target, const nlohmann::json& body, const std::string& key) {
    // A key of visible ASCII whatever the item's name: its digest.
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
    std::string hex;
    for (int i = 0; i < 16; ++i) {
      static constexpr char digits[] = "0123456789abcdef";
      hex += digits[digest[i] >> 4];
      hex += digits[digest[i] & 15];
    }
    auto r = http_call(node, beast_http::post, target, body.dump(),
                       {{"Idempotency-Key", "catalog-seed-" + hex}});
    if (r.status != 201)
      throw std::runtime_error("POST " + target + " answered " + std::to_string(r.status) + ": " +
                               r.body);
    return nlohmann::json::parse(r.body)["id"].get<Id>();
  };
  const auto& demo = demo_catalog();
  Tally tally;
  std::map<std::string, Id> ids[2];
  const char* routes[2] = {"/categories/", "/tags/"};
  const std::vector<std::string>* names[2] = {&demo.categories, &demo.tags};
  for (int k = 0; k < 2; ++k) {
    for (const auto& existing : json_of(routes[k]))
      ids[k][existing["name"].get<std::string>()] = existing["id"].get<Id>();
    for (const auto& name : *names[k]) {
      if (ids[k].count(name)) {
        ++tally.present;
        continue;
      }
      ids[k][name] = post(routes[k], {{"name", name}}, std::string(routes[k]) + name);
      ++tally.created;
    }
  }
  int products = 0;
  for (const auto& p : demo.products) {
    bool there = false;
    for (const auto& found : json_of("/products/?limit=1000&name=" + url_encoded(p.name)))
      there = there || found["name"] == p.name;
    if (there) {
      ++tally.present;
      continue;
    }
    nlohmann::json tags = nlohmann::json::array();
    for (const auto& t : p.tags)
      tags.push_back(ids[1].at(t));
    post("/products/",
         {{"name", p.name},
          {"description", p.description},
          {"image_url", p.image_url},
          {"price_shmeckles", p.price_shmeckles},
          {"price_flurbos", p.price_flurbos},
          {"category_id", ids[0].at(p.category)},
          {"tag_ids", tags}},
         "product-" + p.name);
    ++products;
  }
  std::cout << "seeded through " << node << ": " << tally.created << " categories and tags and "
            << products << " products created, " << tally.present << " already there" << std::endl;
  return 0;
}

}  // namespace

int run_seed(const Config& config) {
  if (config.postgres_url) {
    if (!config.node_url)
      throw std::runtime_error(
          "CATALOG_NODE_URL is not set: on PostgreSQL, seed sends the demo catalog through a "
          "running node");
    return seed_through(*config.node_url);
  }
  const std::string& path = config.database_path;
  {
    db::Connection conn(path, db::OpenMode::read_write_create);
    db::configure(conn, true);
    db::migrate_to_head(conn);
  }
  metrics::Metrics metrics;
  actors::RuntimeOptions options;
  options.database_path = path;
  actors::Runtime runtime(options, metrics);
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
