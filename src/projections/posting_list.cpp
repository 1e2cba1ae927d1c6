#include "projections/posting_list.hpp"

#include <algorithm>

namespace catalog::projections {

void PostingList::put_gap(std::string& gaps, uint32_t gap) {
  while (gap >= 0x80) {
    gaps.push_back(static_cast<char>(0x80 | (gap & 0x7F)));
    gap >>= 7;
  }
  gaps.push_back(static_cast<char>(gap));
}

std::vector<uint32_t> PostingList::ids_of(const Block& b) {
  std::vector<uint32_t> ids;
  ids.reserve(b.count);
  auto push = [&ids](uint32_t id) { ids.push_back(id); };
  each_id(b, push);
  return ids;
}

PostingList::Block PostingList::block_of(const uint32_t* ids, size_t n) {
  Block b;
  b.first = ids[0];
  b.last = ids[n - 1];
  b.count = static_cast<uint32_t>(n);
  for (size_t k = 1; k < n; ++k)
    put_gap(b.gaps, ids[k] - ids[k - 1]);
  b.gaps.shrink_to_fit();
  return b;
}

size_t PostingList::block_for(uint32_t id) const {
  auto after = std::upper_bound(blocks_.begin(), blocks_.end(), id,
                                [](uint32_t v, const Block& b) { return v < b.first; });
  return after == blocks_.begin() ? 0 : static_cast<size_t>(after - blocks_.begin()) - 1;
}

bool PostingList::add(uint32_t id) {
  if (blocks_.empty() || id > blocks_.back().last) {  // a new product: the common case
    if (blocks_.empty() || blocks_.back().count >= block_ids) {
      // The full block keeps no spare capacity from the appends that filled it.
      if (!blocks_.empty()) blocks_.back().gaps.shrink_to_fit();
      blocks_.push_back(Block{id, id, 1, {}});
    } else {
      Block& b = blocks_.back();
      put_gap(b.gaps, id - b.last);
      b.last = id;
      ++b.count;
    }
    ++size_;
    return true;
  }
  size_t at = block_for(id);
  std::vector<uint32_t> ids = ids_of(blocks_[at]);
  auto it = std::lower_bound(ids.begin(), ids.end(), id);
  if (it != ids.end() && *it == id) return false;
  ids.insert(it, id);
  if (ids.size() > 2 * size_t{block_ids}) {  // split: edits stay as small as a block
    size_t half = ids.size() / 2;
    blocks_[at] = block_of(ids.data(), half);
    blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(at) + 1,
                   block_of(ids.data() + half, ids.size() - half));
  } else {
    blocks_[at] = block_of(ids.data(), ids.size());
  }
  ++size_;
  return true;
}

bool PostingList::remove(uint32_t id) {
  if (blocks_.empty() || id < blocks_.front().first || id > blocks_.back().last) return false;
  size_t at = block_for(id);
  if (id > blocks_[at].last) return false;
  std::vector<uint32_t> ids = ids_of(blocks_[at]);
  auto it = std::lower_bound(ids.begin(), ids.end(), id);
  if (it == ids.end() || *it != id) return false;
  ids.erase(it);
  if (ids.empty())
    blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(at));
  else
    blocks_[at] = block_of(ids.data(), ids.size());
  --size_;
  return true;
}

}  // namespace catalog::projections
