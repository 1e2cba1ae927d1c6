#include "projections/price_order.hpp"

#include <algorithm>

#include "projections/gradual_growth.hpp"

namespace catalog::projections {

using events::Id;

namespace {

bool fits(Id id) {
  return id >= 0 && id <= Id{UINT32_MAX};
}

}  // namespace

bool PriceOrder::reset(std::vector<Key> keys) {
  sorted_.clear();
  changed_.clear();
  changed_bits_.clear();
  if (!std::all_of(keys.begin(), keys.end(), [](const Key& k) { return fits(k.second); }))
    return false;
  std::sort(keys.begin(), keys.end());
  std::vector<uint32_t> ids;
  ids.reserve(keys.size());
  for (const Key& k : keys)
    ids.push_back(static_cast<uint32_t>(k.second));
  sorted_ = std::move(ids);
  return true;
}

void PriceOrder::changed(Id id) {
  if (id < 0) return;
  if (static_cast<size_t>(id) >= changed_bits_.size()) changed_bits_.resize(id + 1);
  if (changed_bits_[id]) return;
  changed_bits_[id] = true;
  changed_.push_back(id);
}

std::vector<PriceOrder::Key> PriceOrder::changed_keys(const Current& current) const {
  std::vector<Key> keys;
  keys.reserve(changed_.size());
  for (Id id : changed_) {
    if (auto price = current(id)) keys.emplace_back(*price, id);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

bool PriceOrder::settle(const Current& current, size_t slack) {
  if (changed_.size() <= slack) return true;
  std::vector<Key> fresh = changed_keys(current);
  if (!std::all_of(fresh.begin(), fresh.end(), [](const Key& k) { return fits(k.second); }))
    return false;
  // In place: a merged copy would hold the order twice at each merge, and at a million
  // products the peak RSS of the write runs grew by 108 MB instead of the 32 the orders then took.
  sorted_.erase(std::remove_if(sorted_.begin(), sorted_.end(),
                               [this](uint32_t id) { return is_changed(id); }),
                sorted_.end());
  // Each fresh id goes in where a binary search puts it, and the runs between move up once,
  // from the back: an ordinary merge compared every id by its price, looked up at random
  // (26 ms under the index's lock at a million products, against 8 ms with the prices kept).
  size_t old_size = sorted_.size();
  std::vector<size_t> at;  // where each fresh id goes among the old ones
  at.reserve(fresh.size());
  for (const Key& k : fresh) {
    at.push_back(static_cast<size_t>(std::upper_bound(sorted_.begin(), sorted_.end(), k,
                                                      [&current](const Key& key, uint32_t id) {
                                                        return key < Key{price(current, id), id};
                                                      }) -
                                     sorted_.begin()));
  }
  make_room(sorted_, old_size + fresh.size());  // an eighth more: up to 0.5 MB at 1M
  sorted_.resize(old_size + fresh.size());
  size_t end = old_size;  // the old ids not moved yet are [0, end)
  for (size_t k = fresh.size(); k-- > 0;) {
    std::move_backward(sorted_.begin() + at[k], sorted_.begin() + end,
                       sorted_.begin() + end + k + 1);
    sorted_[at[k] + k] = static_cast<uint32_t>(fresh[k].second);
    end = at[k];
  }
  changed_.clear();
  changed_bits_.clear();
  return true;
}

std::vector<Id> PriceOrder::page(bool descending, size_t skip, size_t limit,
                                 const Current& current) const {
  std::vector<Id> out;
  if (limit == 0) return out;
  std::vector<Key> fresh = changed_keys(current);
  size_t rank = 0;
  size_t wanted = skip + limit;  // skip fits in int64_t: no wrap-around
  auto take = [&](Id id) {
    if (rank++ >= skip) out.push_back(id);
    return rank < wanted;
  };
  auto key = [&current](uint32_t id) { return Key{price(current, id), id}; };
  if (!descending) {
    size_t i = 0, k = 0;
    for (;;) {
      while (i < sorted_.size() && is_changed(sorted_[i]))
        ++i;
      bool old_left = i < sorted_.size(), fresh_left = k < fresh.size();
      if (!old_left && !fresh_left) break;
      bool from_old = old_left && (!fresh_left || key(sorted_[i]) < fresh[k]);
      if (!take(from_old ? Id{sorted_[i++]} : fresh[k++].second)) break;
    }
    return out;
  }
  // Highest price first, but ties still by ascending id: each run of one price is gathered
  // from both sides, then taken in id order.
  size_t i = sorted_.size(), k = fresh.size();
  std::vector<Id> run;
  for (;;) {
    while (i > 0 && is_changed(sorted_[i - 1]))
      --i;
    if (i == 0 && k == 0) break;
    double top = i == 0   ? fresh[k - 1].first
                 : k == 0 ? price(current, sorted_[i - 1])
                          : std::max(price(current, sorted_[i - 1]), fresh[k - 1].first);
    run.clear();
    for (; i > 0 && (is_changed(sorted_[i - 1]) || price(current, sorted_[i - 1]) == top); --i) {
      if (!is_changed(sorted_[i - 1])) run.push_back(sorted_[i - 1]);
    }
    for (; k > 0 && fresh[k - 1].first == top; --k)
      run.push_back(fresh[k - 1].second);
    std::sort(run.begin(), run.end());
    for (Id id : run) {
      if (!take(id)) return out;
    }
  }
  return out;
}

}  // namespace catalog::projections
