// The fuzz targets' assertion: a broken invariant is a crash that libFuzzer keeps as an
// artifact, with a line saying which invariant broke.
#pragma once

#include <cstdio>

namespace catalog::fuzz {

// Not assert(): it must hold in RelWithDebInfo builds too, where NDEBUG is set.
inline void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  __builtin_trap();
}

}  // namespace catalog::fuzz
