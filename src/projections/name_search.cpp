#include "projections/name_search.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <stdexcept>

#include "projections/gradual_growth.hpp"

namespace catalog::projections {

using events::Id;

namespace {

// Units above every code point: a byte that starts no valid UTF-8 sequence is one unit of
// its own, so that no text is mistaken for another.
constexpr uint32_t invalid_unit = 0x110000;

struct Unit {
  uint32_t value;
  size_t bytes;
};

Unit next_unit(std::string_view s, size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) return {b, 1};
  size_t n = (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return {invalid_unit + b, 1};
  uint32_t cp = b & (0x7Fu >> n);
  for (size_t k = 1; k < n; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c >> 6) != 0x2) return {invalid_unit + b, 1};
    cp = (cp << 6) | (c & 0x3Fu);
  }
  static constexpr uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};  // shorter is overlong
  if (cp < least[n] || cp >= invalid_unit) return {invalid_unit + b, 1};
  return {cp, n};
}

// The distinct trigrams of `text`, sorted, each three units of 21 bits in one key. Returns
// how many units `text` has, and whether all of them are code points.
std::pair<size_t, bool> trigrams(std::string_view text, std::vector<uint64_t>& out) {
  out.clear();
  uint64_t window = 0;
  size_t units = 0;
  bool valid = true;
  for (size_t i = 0; i < text.size();) {
    Unit u = next_unit(text, i);
    i += u.bytes;
    valid = valid && u.value < invalid_unit;
    window = (window << 21 | u.value) & ((uint64_t{1} << 63) - 1);
    if (++units >= 3) out.push_back(window);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return {units, valid};
}

uint32_t posting_id(Id id) {
  if (id < 0 || id > std::numeric_limits<uint32_t>::max())
    throw std::out_of_range("product id " + std::to_string(id) + " is beyond the name index");
  return static_cast<uint32_t>(id);
}

}  // namespace

std::string_view NameSearch::name(size_t id) const {
  if (id >= slots_.size() || slots_[id].length == 0) return {};
  const Slot& slot = slots_[id];
  constexpr uint64_t within = (uint64_t{1} << chunk_bits) - 1;
  return std::string_view(chunks_[slot.offset >> chunk_bits])
      .substr(slot.offset & within, slot.length);
}

NameSearch::Slot NameSearch::store(std::string_view folded) {
  if (folded.size() > 0xFFFF) throw std::length_error("a folded product name over 64 KiB");
  if (chunks_.empty() || chunks_.back().size() + folded.size() > (size_t{1} << chunk_bits)) {
    chunks_.emplace_back();
    chunks_.back().reserve(size_t{1} << chunk_bits);
  }
  std::string& chunk = chunks_.back();
  Slot slot{(chunks_.size() - 1) << chunk_bits | chunk.size(), folded.size()};
  chunk.append(folded);
  stored_ += folded.size();
  return slot;
}

void NameSearch::reserve(size_t ids) {
  slots_.reserve(ids);
}

void NameSearch::append(Id id, std::string_view folded) {
  uint32_t at = posting_id(id);
  if (folded.empty()) return;
  if (at >= slots_.size()) {
    make_room(slots_, size_t{at} + 1);
    slots_.resize(size_t{at} + 1, Slot{0, 0});
  }
  if (slots_[at].length == 0) ++names_;
  slots_[at] = store(folded);
}

void NameSearch::index() {
  postings_.clear();
  for (size_t id = 0; id < slots_.size(); ++id)
    post(static_cast<uint32_t>(id), name(id));
}

void NameSearch::post(uint32_t id, std::string_view folded) {
  thread_local std::vector<uint64_t> grams;
  trigrams(folded, grams);
  post(id, grams);
}

void NameSearch::post(uint32_t id, const std::vector<uint64_t>& grams) {
  for (uint64_t g : grams)
    postings_[g].add(id);
}

void NameSearch::unpost(uint32_t id, const std::vector<uint64_t>& grams) {
  for (uint64_t g : grams) {
    auto it = postings_.find(g);
    if (it == postings_.end()) continue;
    it->second.remove(id);
    if (it->second.empty()) postings_.erase(it);
  }
}

void NameSearch::set(Id id, std::optional<std::string_view> folded) {
  uint32_t at = posting_id(id);
  std::string_view old = name(at);
  if (folded && *folded == old) return;
  std::string_view now = folded.value_or(std::string_view{});
  thread_local std::vector<uint64_t> before, after, either;
  trigrams(old, before);
  trigrams(now, after);
  either.clear();
  std::set_union(before.begin(), before.end(), after.begin(), after.end(),
                 std::back_inserter(either));
  memo_.renamed(at, old, now, either);
  if (!old.empty()) {
    unpost(at, before);
    garbage_ += old.size();
    slots_[at] = Slot{0, 0};
    --names_;
  }
  if (!now.empty()) {
    append(id, now);
    post(at, after);
  }
  if (garbage_ >= compact_after_ && garbage_ * 2 > stored_) compact();
}

void NameSearch::compact() {
  std::vector<std::string> chunks = std::move(chunks_);
  chunks_.clear();
  stored_ = 0;
  constexpr uint64_t within = (uint64_t{1} << chunk_bits) - 1;
  for (auto& slot : slots_) {
    if (slot.length == 0) continue;
    slot = store(std::string_view(chunks[slot.offset >> chunk_bits])
                     .substr(slot.offset & within, slot.length));
  }
  garbage_ = 0;
}

std::shared_ptr<const Roaring> NameSearch::matching(std::string_view term) const {
  if (auto kept = memo_.find(term)) return kept;
  thread_local std::vector<Id> ids;
  thread_local std::vector<uint32_t> narrow;
  find(term, ids);
  narrow.assign(ids.begin(), ids.end());  // ids are below 2^32: posting_id() refused others
  Roaring bitmap;
  bitmap.addMany(narrow.size(), narrow.data());
  return memo_.keep(term, std::move(bitmap), anchor(term));
}

std::optional<uint64_t> NameSearch::anchor(std::string_view term) const {
  thread_local std::vector<uint64_t> grams;
  auto [units, valid] = trigrams(term, grams);
  if (units < 3 || !valid) return std::nullopt;  // such a term may begin inside a trigram
  // The rarest of its trigrams, so that few renames come to test it. One no name holds yet
  // is rarest of all.
  auto size = [this](uint64_t g) {
    auto it = postings_.find(g);
    return it == postings_.end() ? size_t{0} : it->second.size();
  };
  return *std::min_element(grams.begin(), grams.end(),
                           [&](uint64_t a, uint64_t b) { return size(a) < size(b); });
}

std::vector<Id> NameSearch::find(std::string_view term) const {
  std::vector<Id> out;
  find(term, out);
  return out;
}

void NameSearch::find(std::string_view term, std::vector<Id>& out) const {
  out.clear();
  thread_local std::vector<uint64_t> grams;
  auto [units, valid] = trigrams(term, grams);
  // Shorter than a trigram, or not UTF-8 (whose bytes may start inside a name's character):
  // every name is read.
  if (units < 3 || !valid) {
    for (size_t id = 0; id < slots_.size(); ++id) {
      if (slots_[id].length != 0 && name(id).find(term) != std::string_view::npos)
        out.push_back(static_cast<Id>(id));
    }
    return;
  }
  std::vector<const PostingList*> lists;
  for (uint64_t g : grams) {
    auto it = postings_.find(g);
    if (it == postings_.end()) return;
    lists.push_back(&it->second);
  }
  std::sort(lists.begin(), lists.end(), [](auto* a, auto* b) { return a->size() < b->size(); });
  if (units == 3) {  // one trigram: its list is the answer
    lists.front()->decode(out);
    return;
  }
  // Names holding the term's trigrams but not in its order ("abxbcd" for "abcd") are
  // weeded out by reading them.
  thread_local std::vector<uint32_t> candidates, second, both;
  candidates.clear();
  lists.front()->decode(candidates);
  if (lists.size() > 1) {
    second.clear();
    both.clear();
    lists[1]->decode(second);
    std::set_intersection(candidates.begin(), candidates.end(), second.begin(), second.end(),
                          std::back_inserter(both));
    candidates.swap(both);
  }
  for (uint32_t id : candidates) {
    if (name(id).find(term) != std::string_view::npos) out.push_back(id);
  }
}

}  // namespace catalog::projections
