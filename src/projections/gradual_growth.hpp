// Room for `n` elements in a vector, grown by an eighth rather than doubled when it runs
// out. The filter index keeps arrays of one entry per product; doubled, up to half of each
// would be set aside as the catalog grows past a power of two.
#pragma once

#include <algorithm>
#include <cstddef>

namespace catalog::projections {

template <class Vector>
void make_room(Vector& v, size_t n) {
  if (n > v.capacity()) v.reserve(std::max(n, v.size() + v.size() / 8));
}

}  // namespace catalog::projections
