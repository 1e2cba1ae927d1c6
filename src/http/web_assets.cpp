// The table of embedded web assets over the symbols src/http/web_assets.S defines; the
// package versions come from web/package-lock.json through cmake/web_assets.cmake.
#include "http/web_assets.hpp"

#include <array>

extern "C" {
extern const char catalog_web_swagger_ui_bundle_js_begin[];
extern const char catalog_web_swagger_ui_bundle_js_end[];
extern const char catalog_web_swagger_ui_css_begin[];
extern const char catalog_web_swagger_ui_css_end[];
extern const char catalog_web_swagger_ui_favicon_begin[];
extern const char catalog_web_swagger_ui_favicon_end[];
extern const char catalog_web_redoc_standalone_js_begin[];
extern const char catalog_web_redoc_standalone_js_end[];
}

namespace catalog::http {

namespace {

std::string_view bytes(const char* begin, const char* end) {
  return {begin, static_cast<size_t>(end - begin)};
}

// RFC 9239 names text/javascript; the charset keeps browsers from guessing.
constexpr std::string_view javascript = "text/javascript; charset=utf-8";

const std::array<WebAsset, 4>& assets() {
  static const std::array<WebAsset, 4> all{{
      {"swagger-ui-bundle.js", javascript, "swagger-ui-dist", CATALOG_SWAGGER_UI_VERSION,
       bytes(catalog_web_swagger_ui_bundle_js_begin, catalog_web_swagger_ui_bundle_js_end)},
      {"swagger-ui.css", "text/css; charset=utf-8", "swagger-ui-dist", CATALOG_SWAGGER_UI_VERSION,
       bytes(catalog_web_swagger_ui_css_begin, catalog_web_swagger_ui_css_end)},
      {"favicon-32x32.png", "image/png", "swagger-ui-dist", CATALOG_SWAGGER_UI_VERSION,
       bytes(catalog_web_swagger_ui_favicon_begin, catalog_web_swagger_ui_favicon_end)},
      {"redoc.standalone.js", javascript, "redoc", CATALOG_REDOC_VERSION,
       bytes(catalog_web_redoc_standalone_js_begin, catalog_web_redoc_standalone_js_end)},
  }};
  return all;
}

}  // namespace

const WebAsset* find_web_asset(std::string_view name) {
  for (const auto& a : assets()) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

}  // namespace catalog::http
