// Documentation pages over /openapi.json: Swagger UI at /docs and ReDoc at /redoc, with every
// script and style served from the binary itself, so they work with no internet.
#include <openssl/evp.h>

#include <array>
#include <stdexcept>
#include <string>

#include "http/response.hpp"
#include "http/routes.hpp"
#include "http/web_assets.hpp"

namespace catalog::http {

namespace {

const WebAsset& embedded(std::string_view name) {
  const WebAsset* asset = find_web_asset(name);
  // The table and these names are compiled together; a miss is a programming error.
  if (!asset) throw std::logic_error("web asset not embedded: " + std::string(name));
  return *asset;
}

// The asset URLs carry the package version, so a year of caching is safe: a binary with
// another Swagger UI or ReDoc links to other URLs.
std::string versioned(std::string_view prefix, const WebAsset& asset) {
  return std::string(prefix) + std::string(asset.name) + "?v=" + std::string(asset.version);
}

// 'sha256-<base64>' of an inline script, so the Content-Security-Policy can allow exactly
// that script and no other inline code.
std::string csp_script_hash(std::string_view script) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(script.data(), script.size(), digest.data(), &length, EVP_sha256(), nullptr);
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> base64{};
  int written = EVP_EncodeBlock(base64.data(), digest.data(), static_cast<int>(length));
  return "'sha256-" + std::string(reinterpret_cast<const char*>(base64.data()), written) + "'";
}

// Nothing outside this origin may load: the pages must work offline, and a policy that
// admits no other origin also keeps an injected script from pulling code in. Both libraries
// style through inline style attributes and data: icons; ReDoc's search runs in a blob:
// worker.
std::string content_security_policy(std::string_view script_src) {
  std::string scripts = "'self'";
  if (!script_src.empty()) scripts += " " + std::string(script_src);
  return "default-src 'none'; script-src " + scripts +
         "; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
         "connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'none'; "
         "frame-ancestors 'self'";
}

// validatorUrl: null because the default sends the document's URL to validator.swagger.io
// for a badge, which fails offline and leaks the service's address.
constexpr std::string_view swagger_init = R"js(
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
});
)js";

std::string swagger_page() {
  return R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Catalog API - Swagger UI</title>
<link rel="icon" type="image/png" href=")html" +
         versioned("/docs/", embedded("favicon-32x32.png")) + R"html(">
<link rel="stylesheet" href=")html" +
         versioned("/docs/", embedded("swagger-ui.css")) + R"html(">
</head>
<body>
<noscript>This page needs JavaScript. The API description itself is
<a href="/openapi.json">/openapi.json</a>.</noscript>
<div id="swagger-ui"></div>
<script src=")html" +
         versioned("/docs/", embedded("swagger-ui-bundle.js")) + R"html("></script>
<script>)html" +
         std::string(swagger_init) + R"html(</script>
</body>
</html>
)html";
}

// ReDoc's default theme names Roboto and Montserrat, which its examples load from Google
// Fonts; the system's own fonts keep the page offline.
std::string redoc_page() {
  return R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Catalog API - ReDoc</title>
<link rel="icon" type="image/png" href=")html" +
         versioned("/docs/", embedded("favicon-32x32.png")) + R"html(">
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<noscript>This page needs JavaScript. The API description itself is
<a href="/openapi.json">/openapi.json</a>.</noscript>
<redoc spec-url="/openapi.json" theme='{"typography": {"fontFamily": "system-ui, sans-serif", "headings": {"fontFamily": "system-ui, sans-serif"}, "code": {"fontFamily": "ui-monospace, monospace"}}}'></redoc>
<script src=")html" +
         versioned("/redoc/", embedded("redoc.standalone.js")) + R"html("></script>
</body>
</html>
)html";
}

Response html_response(const Request& req, const std::string& body, const std::string& csp) {
  Response res{beast_http::status::ok, req.version()};
  res.set(beast_http::field::content_type, "text/html; charset=utf-8");
  // The page is tiny and names the versioned assets; revalidating it picks up a new binary.
  res.set(beast_http::field::cache_control, "no-cache");
  res.set("Content-Security-Policy", csp);
  res.set("X-Content-Type-Options", "nosniff");
  res.keep_alive(req.keep_alive());
  res.body() = body;
  res.prepare_payload();
  return res;
}

void add_page(Router& router, std::string_view route, std::string summary, std::string body,
              std::string csp) {
  router.add(beast_http::verb::get, route,
             OperationDoc("documentation", std::move(summary))
                 .returns_media(200, "An HTML page", "text/html"),
             [body = std::move(body), csp = std::move(csp)](RouteContext& ctx, Respond respond) {
               respond(html_response(ctx.request, body, csp));
             });
}

Response asset_response(const Request& req, const WebAsset& asset) {
  std::string etag = "\"" + std::string(asset.package) + "@" + std::string(asset.version) + "\"";
  std::string_view if_none_match = req[beast_http::field::if_none_match];
  bool fresh = if_none_match == "*" || if_none_match.find(etag) != std::string_view::npos;
  Response res{fresh ? beast_http::status::not_modified : beast_http::status::ok, req.version()};
  res.set(beast_http::field::etag, etag);
  res.set(beast_http::field::cache_control, "public, max-age=31536000, immutable");
  res.set("X-Content-Type-Options", "nosniff");
  res.keep_alive(req.keep_alive());
  // A 304 carries no Content-Length at all: prepare_payload would write a wrong 0 there.
  if (!fresh) {
    res.set(beast_http::field::content_type, asset.content_type);
    res.body() = std::string(asset.body);
    res.prepare_payload();
  }
  return res;
}

// `{asset}` routes serve only their own package's files: /docs/redoc.standalone.js is a 404.
void add_assets(Router& router, std::string_view route, std::string_view package,
                std::string_view example) {
  router.add(beast_http::verb::get, route,
             OperationDoc("documentation", "A file of the documentation page")
                 .param({"asset",
                         "path",
                         {{"type", "string"}},
                         "The file's name in the package, e.g. " + std::string(example),
                         true})
                 .param({"If-None-Match",
                         "header",
                         {{"type", "string"}},
                         "The ETag the client has: 304 while it is still the file's",
                         false})
                 .returns_media(200, "The file", "application/octet-stream")
                 .returns(304, "Not modified since the ETag the client has")
                 .returns(404, "No such file in this package", "Detail"),
             [package](RouteContext& ctx, Respond respond) {
               const WebAsset* asset = find_web_asset(ctx.path_ids.at(0));
               if (!asset || asset->package != package) {
                 respond(error_response(ctx.request, beast_http::status::not_found, "Not Found"));
                 return;
               }
               respond(asset_response(ctx.request, *asset));
             });
}

}  // namespace

void add_docs_routes(Router& router, const Services& /*services*/) {
  add_page(router, "/docs", "Swagger UI over /openapi.json", swagger_page(),
           content_security_policy(csp_script_hash(swagger_init)));
  add_page(router, "/redoc", "ReDoc over /openapi.json", redoc_page(), content_security_policy(""));
  add_assets(router, "/docs/{asset}", "swagger-ui-dist", "swagger-ui.css");
  add_assets(router, "/redoc/{asset}", "redoc", "redoc.standalone.js");
}

}  // namespace catalog::http
