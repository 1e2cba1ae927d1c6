#include "projections/filter_index.hpp"

#include <malloc.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "projections/catalog_projection.hpp"
#include "projections/gradual_growth.hpp"
#include "text/casefold.hpp"

namespace catalog::projections {

using events::Id;

namespace {

bool within(double value, const std::optional<double>& min, const std::optional<double>& max) {
  return (!min || value >= *min) && (!max || value <= *max);
}

IndexedPage slice(const std::vector<Id>& matches, const ProductFilter& f) {
  IndexedPage page;
  page.total = static_cast<int64_t>(matches.size());
  for (int64_t k = f.skip; k < page.total && k < f.skip + f.limit; ++k)
    page.ids.push_back(f.descending ? matches[page.total - 1 - k] : matches[k]);
  return page;
}

struct ChangedRow {
  Id id = 0;
  bool exists = false;
  double shmeckles = 0;
  double flurbos = 0;
  std::optional<Id> category;
  std::string folded;
};

bool by_price(SortKey key) {
  return key == SortKey::price_shmeckles || key == SortKey::price_flurbos;
}

bool unfiltered(const ProductFilter& f) {
  return !f.name && !f.category_id && f.tag_ids.empty() && !f.min_price_shmeckles &&
         !f.max_price_shmeckles && !f.min_price_flurbos && !f.max_price_flurbos;
}

}  // namespace

// Beyond 32 bits an id cannot be kept (tags' bitmaps and the price orders hold 32-bit ids):
// the index refuses the catalog and SQL answers its filters. The catalog numbers from 1, so
// that would take four billion products or categories.
namespace {
[[noreturn]] void beyond_32_bits() {
  throw std::range_error("an id beyond 32 bits: filters are left to SQL");
}
}  // namespace

std::optional<FilterIndex::Product> FilterIndex::entry(Id id, double shmeckles, double flurbos,
                                                       std::optional<Id> category) {
  if (id > Id{UINT32_MAX}) return std::nullopt;
  if (!category) return Product{shmeckles, flurbos, Product::no_category};
  if (*category <= Id{Product::no_category} || *category >= Id{Product::gone}) return std::nullopt;
  return Product{shmeckles, flurbos, static_cast<uint32_t>(*category)};
}

bool FilterIndex::serves(const ProductFilter& f) {
  return f.sort == SortKey::id || by_price(f.sort);
}

// The whole catalog: the count is kept, and the page is walked to, skipping deleted ids.
// SQLite's count(*) reads every page of an index, again after each commit elsewhere.
IndexedPage FilterIndex::every_product(const ProductFilter& f) const {
  IndexedPage page;
  page.total = existing_;
  int64_t rank = 0;
  auto take = [&](size_t id) {
    if (products_[id].exists() && rank++ >= f.skip) page.ids.push_back(static_cast<Id>(id));
    return static_cast<int64_t>(page.ids.size()) < f.limit;
  };
  if (f.descending) {
    for (size_t id = products_.size(); id-- > 1 && take(id);) {
    }
  } else {
    for (size_t id = 1; id < products_.size() && take(id); ++id) {
    }
  }
  return page;
}

// The page of the matches ordered by a price, ties by id (SQL's `ORDER BY price, id`): a heap
// of the first skip + limit while the matches are read, so the rest is never sorted. Without
// a name or tags to narrow them, the products are tested in the same pass: at a million, a
// list of every match first took half of the time.
IndexedPage FilterIndex::price_ordered(const ProductFilter& f, const std::string* term) const {
  using Key = std::pair<double, Id>;
  bool shmeckles = f.sort == SortKey::price_shmeckles;
  auto before = [descending = f.descending](const Key& a, const Key& b) {
    if (a.first != b.first) return descending ? a.first > b.first : a.first < b.first;
    return a.second < b.second;
  };
  // Unsigned: skip may be as large as int64_t holds.
  size_t wanted = static_cast<size_t>(f.skip) + static_cast<size_t>(f.limit);
  std::vector<Key> heap;  // the best `wanted` so far; its front is the last of them
  IndexedPage page;
  auto offer = [&](Id id) {
    ++page.total;
    const Product& p = products_[id];
    Key key{p.price(shmeckles), id};
    if (heap.size() < wanted) {
      heap.push_back(key);
      std::push_heap(heap.begin(), heap.end(), before);
    } else if (before(key, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), before);
      heap.back() = key;
      std::push_heap(heap.begin(), heap.end(), before);
    }
  };
  if (f.name || !f.tag_ids.empty()) {
    for (Id id : matches(f, term))
      offer(id);
  } else {
    for (size_t id = 1; id < products_.size(); ++id) {
      if (keeps(f, static_cast<Id>(id))) offer(static_cast<Id>(id));
    }
  }
  std::sort_heap(heap.begin(), heap.end(), before);
  for (size_t k = static_cast<size_t>(f.skip); k < heap.size(); ++k)
    page.ids.push_back(heap[k].second);
  return page;
}

PriceOrder::Current FilterIndex::price_of(bool shmeckles) const {
  return [this, shmeckles](Id id) -> std::optional<double> {
    if (id < 0 || static_cast<size_t>(id) >= products_.size() || !products_[id].exists())
      return std::nullopt;
    return products_[id].price(shmeckles);
  };
}

// Every product by a price: the kept order, so only the page is read.
IndexedPage FilterIndex::whole_catalog_by_price(const ProductFilter& f) const {
  bool shmeckles = f.sort == SortKey::price_shmeckles;
  IndexedPage page;
  page.total = existing_;
  page.ids = (shmeckles ? by_shmeckles_ : by_flurbos_)
                 .page(f.descending, static_cast<size_t>(f.skip), static_cast<size_t>(f.limit),
                       price_of(shmeckles));
  return page;
}

void FilterIndex::load(db::Connection& db) {
  std::vector<Product> products;
  NameSearch names(memo_min_ids_);
  std::unordered_map<Id, Roaring> tagged;
  int64_t at = 0;
  {
    db::Transaction snapshot(db, db::Transaction::Kind::deferred);
    at = CatalogProjection(db).checkpoint();
    {
      // Room for every id at once: grown row by row, the arrays would end up to twice their
      // size, and be held twice while they are copied.
      db::Statement highest(db, "SELECT coalesce(max(id), 0) FROM products");
      highest.step();
      auto ids = static_cast<size_t>(std::max<int64_t>(highest.int64(0), 0)) + 1;
      products.reserve(ids);
      names.reserve(ids);
    }
    db::Statement rows(db,
                       "SELECT id, price_shmeckles, price_flurbos, category_id, name_folded "
                       "FROM products ORDER BY id");
    while (rows.step()) {
      Id id = rows.int64(0);
      if (id < 0) continue;  // ids come from the catalog and start at 1
      auto product = entry(id, rows.real(1), rows.real(2),
                           rows.is_null(3) ? std::nullopt : std::optional<Id>(rows.int64(3)));
      if (!product) beyond_32_bits();
      if (static_cast<size_t>(id) >= products.size()) products.resize(id + 1);
      products[id] = *product;
      names.append(id, rows.text_view(4));
    }
    db::Statement tags(db,
                       "SELECT tag_id, product_id FROM product_tags ORDER BY tag_id, product_id");
    while (tags.step()) {
      Id product = tags.int64(1);
      if (product >= 0 && product <= Id{UINT32_MAX})
        tagged[tags.int64(0)].add(static_cast<uint32_t>(product));
    }
    snapshot.commit();
  }
  for (auto& [tag, ids] : tagged) {
    ids.runOptimize();
    ids.shrinkToFit();
  }
  // Sorted and indexed before the lock is taken, so readers do not wait for it.
  names.index();
  std::vector<std::pair<double, Id>> shmeckles, flurbos;
  auto existing = static_cast<size_t>(
      std::count_if(products.begin(), products.end(), [](const Product& p) { return p.exists(); }));
  shmeckles.reserve(existing);
  flurbos.reserve(existing);
  for (size_t id = 0; id < products.size(); ++id) {
    if (!products[id].exists()) continue;
    shmeckles.emplace_back(double{products[id].shmeckles}, static_cast<Id>(id));
    flurbos.emplace_back(double{products[id].flurbos}, static_cast<Id>(id));
  }
  PriceOrder by_shmeckles, by_flurbos;
  if (!by_shmeckles.reset(std::move(shmeckles)) || !by_flurbos.reset(std::move(flurbos)))
    beyond_32_bits();
  // The rows were read, the orders sorted and the trigram lists built in blocks this thread
  // freed again: returned to the system, they are not counted in the server's memory.
  malloc_trim(0);
  std::unique_lock lock(mutex_);
  by_shmeckles_ = std::move(by_shmeckles);
  by_flurbos_ = std::move(by_flurbos);
  products_ = std::move(products);
  existing_ = static_cast<int64_t>(existing);
  tagged_ = std::move(tagged);
  names_ = std::move(names);
  position_ = at;
  moved_.notify_all();
}

void FilterIndex::invalidate() {
  std::unique_lock lock(mutex_);
  position_ = -1;
  moved_.notify_all();
}

int64_t FilterIndex::position() const {
  std::shared_lock lock(mutex_);
  return position_;
}

bool FilterIndex::loaded() const {
  std::shared_lock lock(mutex_);
  return position_ >= 0;
}

void FilterIndex::refresh(db::Connection& db, const FilterChanges& changes, int64_t position) {
  if (!loaded()) return;
  // The rows are read before the lock is taken: readers wait only for the edits below.
  std::vector<Id> ids = changes.products;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<ChangedRow> rows;
  rows.reserve(ids.size());
  for (Id id : ids) {
    db::Reset s(
        db.cached("SELECT name_folded, price_shmeckles, price_flurbos, category_id FROM products "
                  "WHERE id = ?"));
    s->bind(1, id);
    ChangedRow row;
    row.id = id;
    if (s->step()) {
      row.exists = true;
      row.folded = s->text(0);
      row.shmeckles = s->real(1);
      row.flurbos = s->real(2);
      if (!s->is_null(3)) row.category = s->int64(3);
    }
    rows.push_back(std::move(row));
  }

  std::vector<Product> entries;
  entries.reserve(rows.size());
  for (const auto& row : rows) {
    auto product = entry(row.id, row.shmeckles, row.flurbos, row.category);
    if (!product) beyond_32_bits();
    entries.push_back(row.exists ? *product : Product{});
  }

  std::unique_lock lock(mutex_);
  if (position_ < 0) return;
  for (size_t k = 0; k < rows.size(); ++k) {
    const auto& row = rows[k];
    if (row.id < 0) continue;
    if (static_cast<size_t>(row.id) >= products_.size()) {
      make_room(products_, static_cast<size_t>(row.id) + 1);
      products_.resize(row.id + 1);
    }
    const Product& before = products_[row.id];
    existing_ += int64_t{row.exists} - int64_t{before.exists()};
    if (row.exists != before.exists() || row.shmeckles != before.shmeckles)
      by_shmeckles_.changed(row.id);
    if (row.exists != before.exists() || row.flurbos != before.flurbos) by_flurbos_.changed(row.id);
    products_[row.id] = entries[k];
    names_.set(row.id, row.exists ? std::optional<std::string_view>(row.folded) : std::nullopt);
  }
  for (const auto& t : changes.taggings) {
    switch (t.op) {
      case FilterChanges::TagOp::add:
        if (t.product >= 0 && t.product <= Id{UINT32_MAX})
          tagged_[t.tag].add(static_cast<uint32_t>(t.product));
        break;
      case FilterChanges::TagOp::remove:
        if (auto it = tagged_.find(t.tag);
            it != tagged_.end() && t.product >= 0 && t.product <= Id{UINT32_MAX})
          it->second.remove(static_cast<uint32_t>(t.product));
        break;
      case FilterChanges::TagOp::drop_tag:
        tagged_.erase(t.tag);
        break;
    }
  }
  size_t slack = price_slack_.value_or(std::max<size_t>(1024, products_.size() / 64));
  if (!by_shmeckles_.settle(price_of(true), slack) || !by_flurbos_.settle(price_of(false), slack)) {
    position_ = -1;
    moved_.notify_all();
    beyond_32_bits();
  }
  position_ = position;
  moved_.notify_all();
}

bool FilterIndex::keeps(const ProductFilter& f, Id id) const {
  if (id < 0 || static_cast<size_t>(id) >= products_.size()) return false;
  const Product& p = products_[id];
  return p.exists() &&
         (!f.category_id ||
          (p.category != Product::no_category && Id{p.category} == *f.category_id)) &&
         within(p.shmeckles, f.min_price_shmeckles, f.max_price_shmeckles) &&
         within(p.flurbos, f.min_price_flurbos, f.max_price_flurbos);
}

std::shared_ptr<const Roaring> FilterIndex::allowed(const ProductFilter& f,
                                                    const std::string* term) const {
  static const Roaring none;
  auto tagged = [this](Id tag) -> const Roaring* {
    auto it = tagged_.find(tag);
    return it == tagged_.end() ? &none : &it->second;
  };
  std::shared_ptr<const Roaring> named = term ? names_.matching(*term) : nullptr;
  if (f.tag_ids.empty()) return named;
  std::vector<const Roaring*> sets;
  for (Id t : f.tag_ids)
    sets.push_back(tagged(t));
  if (f.all_tags || sets.size() == 1) {
    // One intersection, begun with the two smallest sets so that every step is small.
    if (named) sets.push_back(named.get());
    std::sort(sets.begin(), sets.end(), [](const Roaring* a, const Roaring* b) {
      return a->cardinality() < b->cardinality();
    });
    if (sets.size() == 1) return std::shared_ptr<const Roaring>(std::shared_ptr<void>{}, sets[0]);
    auto both = std::make_shared<Roaring>(*sets[0] & *sets[1]);
    for (size_t i = 2; i < sets.size() && !both->isEmpty(); ++i)
      *both &= *sets[i];
    return both;
  }
  if (!named) return std::make_shared<Roaring>(Roaring::fastunion(sets.size(), sets.data()));
  // Any of the tags, within the name's: the name with each tag first, whose results are small,
  // rather than a union of whole tags.
  auto any = std::make_shared<Roaring>();
  for (const Roaring* tag : sets)
    *any |= *named & *tag;
  return any;
}

std::vector<Id> FilterIndex::matches(const ProductFilter& f, const std::string* term) const {
  std::vector<Id> out;
  auto candidates = allowed(f, term);
  if (!candidates) {
    for (size_t id = 1; id < products_.size(); ++id) {
      if (keeps(f, static_cast<Id>(id))) out.push_back(static_cast<Id>(id));
    }
    return out;
  }
  // The candidates lie far apart in products_: fetching a few ahead overlaps the misses.
  constexpr uint32_t ahead = 16;
  uint32_t block[256];
  roaring_uint32_iterator_t it;
  roaring_init_iterator(&candidates->roaring, &it);
  while (uint32_t n = roaring_read_uint32_iterator(&it, block, 256)) {
    for (uint32_t k = 0; k < n; ++k) {
      if (k + ahead < n && block[k + ahead] < products_.size())
        __builtin_prefetch(&products_[block[k + ahead]]);
      if (keeps(f, static_cast<Id>(block[k]))) out.push_back(static_cast<Id>(block[k]));
    }
  }
  return out;
}

// Sorted by id, with no condition but the name and the tags, the count is the candidates'
// and the page is read from them by rank: no product is looked at.
IndexedPage FilterIndex::id_ordered(const ProductFilter& f, const std::string* term) const {
  bool conditions = f.category_id || f.min_price_shmeckles || f.max_price_shmeckles ||
                    f.min_price_flurbos || f.max_price_flurbos;
  auto candidates = conditions ? nullptr : allowed(f, term);
  if (!candidates) return slice(matches(f, term), f);
  IndexedPage page;
  uint64_t total = candidates->cardinality();
  page.total = static_cast<int64_t>(total);
  auto skip = static_cast<uint64_t>(f.skip);
  if (skip >= total || f.limit <= 0) return page;
  uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(f.limit), total - skip);
  std::vector<uint32_t> ids(n);
  candidates->rangeUint32Array(ids.data(), f.descending ? total - skip - n : skip, n);
  if (f.descending) std::reverse(ids.begin(), ids.end());
  page.ids.assign(ids.begin(), ids.end());
  return page;
}

bool FilterIndex::reached(std::shared_lock<std::shared_mutex>& lock, int64_t position) {
  // The projector committed what this reader sees and is moving the index there: a moment's
  // wait, instead of the SQL, which has no index of prices or names.
  if (position_ >= 0 && position_ < position)
    moved_.wait_for(lock, catch_up_wait, [&] { return position_ < 0 || position_ >= position; });
  return position_ == position;
}

std::optional<IndexedPage> FilterIndex::page(const ProductFilter& f, int64_t position) {
  if (!serves(f)) return std::nullopt;
  // Folded before the lock: ICU is the slowest step of a short list.
  std::optional<std::string> term;
  if (f.name) term = text::fold(*f.name);
  std::shared_lock lock(mutex_);
  if (!reached(lock, position)) return std::nullopt;
  if (unfiltered(f)) return f.sort == SortKey::id ? every_product(f) : whole_catalog_by_price(f);
  const std::string* name = term ? &*term : nullptr;
  if (by_price(f.sort)) return price_ordered(f, name);
  return id_ordered(f, name);
}

std::optional<std::vector<Id>> FilterIndex::named(std::string_view folded, int64_t position) {
  std::shared_lock lock(mutex_);
  if (!reached(lock, position)) return std::nullopt;
  auto ids = names_.matching(folded);
  std::vector<Id> out;
  out.reserve(ids->cardinality());
  for (uint32_t id : *ids)
    out.push_back(static_cast<Id>(id));
  return out;
}

}  // namespace catalog::projections
