// The Swagger UI and ReDoc files that GET /docs and GET /redoc serve, embedded into the
// binary at build time from the npm tarballs pinned in web/package-lock.json (ReDoc with
// the one external URL it loads, its vendor logo, taken out: see cmake/web_assets.cmake).
#pragma once

#include <string_view>

namespace catalog::http {

struct WebAsset {
  std::string_view name;  // the file name it is served under, e.g. "swagger-ui-bundle.js"
  std::string_view content_type;
  std::string_view package;  // the npm package it came from: "swagger-ui-dist" or "redoc"
  std::string_view version;  // of that package, which names its bytes for caching
  std::string_view body;
};

// nullptr for a name that is not embedded.
const WebAsset* find_web_asset(std::string_view name);

}  // namespace catalog::http
