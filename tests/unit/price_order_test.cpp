// The kept price order against a plain sort of the same products, through creates, deletes
// and price changes, with and without changes laid over it.
#include "projections/price_order.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <limits>
#include <map>
#include <random>

using catalog::events::Id;
using catalog::projections::PriceOrder;

namespace {

// The page as SQL's ORDER BY price [DESC], id LIMIT ... OFFSET ... gives it.
std::vector<Id> sorted_page(const std::map<Id, double>& prices, bool descending, size_t skip,
                            size_t limit) {
  std::vector<std::pair<double, Id>> all;
  for (auto [id, price] : prices)
    all.emplace_back(price, id);
  std::sort(all.begin(), all.end(), [descending](const auto& a, const auto& b) {
    if (a.first != b.first) return descending ? a.first > b.first : a.first < b.first;
    return a.second < b.second;
  });
  std::vector<Id> out;
  for (size_t k = skip; k < all.size() && k < skip + limit; ++k)
    out.push_back(all[k].second);
  return out;
}

}  // namespace

TEST_CASE("the price order pages as a full sort does, through every change", "[price-order]") {
  size_t slack = GENERATE(size_t{0}, size_t{3}, size_t{1000});  // merge always, often, never
  std::mt19937 rng(20261126);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto price = [&] { return pick(0, 20) * 0.5; };  // 41 prices: many ties

  std::map<Id, double> prices;
  Id next = 1;
  std::vector<std::pair<double, Id>> keys;
  for (; next <= 50; ++next) {
    prices[next] = price();
    keys.emplace_back(prices[next], next);
  }
  PriceOrder order;
  order.reset(keys);
  PriceOrder::Current current = [&](Id id) -> std::optional<double> {
    auto it = prices.find(id);
    if (it == prices.end()) return std::nullopt;
    return it->second;
  };

  int compared = 0;
  for (int round = 0; round < 300; ++round) {
    for (int i = pick(1, 4); i > 0; --i) {
      int kind = pick(0, 9);
      if (kind < 4 || prices.empty()) {
        prices[next] = price();
        order.changed(next++);
      } else {
        auto it = prices.begin();
        std::advance(it, pick(0, static_cast<int>(prices.size()) - 1));
        Id id = it->first;
        if (kind < 7)
          it->second = price();
        else
          prices.erase(it);
        order.changed(id);
      }
    }
    order.settle(current, slack);
    for (int q = 0; q < 4; ++q) {
      bool descending = pick(0, 1);
      size_t skip = pick(0, 3) == 0 ? pick(0, 200) : pick(0, 5);
      size_t limit = pick(1, 12);
      INFO("round " << round << (descending ? " descending" : " ascending") << ", skip " << skip
                    << ", limit " << limit);
      CHECK(order.page(descending, skip, limit, current) ==
            sorted_page(prices, descending, skip, limit));
      ++compared;
    }
  }
  CHECK(compared == 1200);
}

TEST_CASE("the price order takes the largest skip and gives nothing past the end",
          "[price-order]") {
  PriceOrder order;
  order.reset({{2.0, 1}, {1.0, 2}});
  PriceOrder::Current current = [](Id id) -> std::optional<double> { return id == 1 ? 2.0 : 1.0; };
  CHECK(order.page(false, 0, 10, current) == std::vector<Id>{2, 1});
  CHECK(order.page(true, 0, 10, current) == std::vector<Id>{1, 2});
  CHECK(order.page(false, std::numeric_limits<int64_t>::max(), 100, current).empty());
  CHECK(order.page(true, 2, 1, current).empty());
}

TEST_CASE("the price order refuses an id beyond 32 bits", "[price-order]") {
  const Id huge = Id{UINT32_MAX} + 1;
  std::map<Id, double> prices{{1, 2.0}, {huge, 1.0}};
  PriceOrder::Current current = [&](Id id) -> std::optional<double> {
    auto it = prices.find(id);
    if (it == prices.end()) return std::nullopt;
    return it->second;
  };
  PriceOrder order;
  CHECK_FALSE(order.reset({{2.0, 1}, {1.0, huge}}));
  REQUIRE(order.reset({{2.0, 1}}));
  order.changed(huge);
  CHECK_FALSE(order.settle(current, 0));
  CHECK(order.settle(current, 1));  // within the slack: laid over the order, not merged
  CHECK(order.page(false, 0, 5, current) == std::vector<Id>{huge, 1});
}
