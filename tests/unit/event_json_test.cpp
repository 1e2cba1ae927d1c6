// Events survive the trip to their stored JSON and back unchanged.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "events/event.hpp"

using namespace catalog::events;

namespace {

void round_trip(const Event& e) {
  std::string text = to_json(e).dump();
  Event back = from_json(type_name(e), nlohmann::json::parse(text));
  CHECK(to_json(back).dump() == text);
  CHECK(type_name(back) == type_name(e));
}

}  // namespace

TEST_CASE("every event type round-trips through its JSON") {
  ProductFields f;
  f.name = "Портальная пушка";
  f.description = "Классическая \"портальная\" пушка\n";
  f.image_url = "https://example.com/portal-gun.jpg";
  f.price_shmeckles = 250.5;
  f.price_flurbos = 1e12;
  f.category_id = 3;
  f.tag_ids = {1, 2};
  ProductPatch p;
  p.description = std::optional<std::string>();
  p.category_id = std::optional<Id>();
  p.tag_ids = std::vector<Id>{};
  p.price_flurbos = 0.1;
  for (const Event& e : std::vector<Event>{
           NamedCreated{Resource::category, 1, "Гаджеты"}, NamedRenamed{Resource::tag, 2, "Хит"},
           NamedDeleted{Resource::category, 1}, ProductCreated{7, f}, ProductUpdated{7, p},
           ProductDeleted{7}}) {
    round_trip(e);
  }
}

TEST_CASE("an update's data holds only the changed fields, null for a cleared one") {
  ProductPatch p;
  p.price_shmeckles = 300.0;
  p.category_id = std::optional<Id>();
  auto j = to_json(ProductUpdated{1, p});
  CHECK(j == nlohmann::json{{"id", 1}, {"price_shmeckles", 300.0}, {"category_id", nullptr}});
}

TEST_CASE("an unknown or malformed event is refused, not guessed") {
  CHECK_THROWS_AS(from_json("ProductExploded", {{"id", 1}}), std::invalid_argument);
  CHECK_THROWS_AS(from_json("ProductCreated", {{"id", 1}}), std::invalid_argument);
  CHECK_THROWS_AS(from_json("TagCreated", {{"name", "x"}}), std::invalid_argument);
}
