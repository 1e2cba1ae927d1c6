// /docs and /redoc through the router, without a server: the pages, the embedded files and
// their caching. tests/browser/docs_browser_test.py checks that a browser really runs them.
#include <catch2/catch.hpp>
#include <string>

#include "http/routes.hpp"
#include "http/web_assets.hpp"

using namespace catalog::http;

namespace {

Response get(const Router& router, std::string target, std::string if_none_match = "") {
  Request req{beast_http::verb::get, target, 11};
  if (!if_none_match.empty()) req.set(beast_http::field::if_none_match, if_none_match);
  Response out;
  router.dispatch(req, [&](Response res) { out = std::move(res); });
  return out;
}

Router docs_router() {
  static Services none;  // the documentation routes use no service
  Router router;
  add_docs_routes(router, none);
  return router;
}

}  // namespace

TEST_CASE("the documentation pages read /openapi.json and load nothing from elsewhere", "[docs]") {
  Router router = docs_router();
  for (std::string page : {"/docs", "/docs/", "/redoc", "/redoc/"}) {
    INFO(page);
    Response res = get(router, page);
    CHECK(res.result() == beast_http::status::ok);
    CHECK(res[beast_http::field::content_type] == "text/html; charset=utf-8");
    CHECK(res.body().find("\"/openapi.json\"") != std::string::npos);
    CHECK(res.body().find("http://") == std::string::npos);
    CHECK(res.body().find("https://") == std::string::npos);
    CHECK(std::string(res["Content-Security-Policy"]).find("default-src 'none'") == 0);
  }
  CHECK(get(router, "/docs").body().find("/docs/swagger-ui-bundle.js?v=") != std::string::npos);
  CHECK(get(router, "/redoc").body().find("/redoc/redoc.standalone.js?v=") != std::string::npos);
}

TEST_CASE("the embedded files are served whole, with their types and a long cache", "[docs]") {
  Router router = docs_router();
  struct Case {
    std::string target, name, type;
  };
  for (const auto& c : {Case{"/docs/swagger-ui-bundle.js", "swagger-ui-bundle.js", "javascript"},
                        Case{"/docs/swagger-ui.css", "swagger-ui.css", "text/css"},
                        Case{"/docs/favicon-32x32.png", "favicon-32x32.png", "image/png"},
                        Case{"/redoc/redoc.standalone.js", "redoc.standalone.js", "javascript"}}) {
    INFO(c.target);
    const WebAsset* asset = find_web_asset(c.name);
    REQUIRE(asset);
    CHECK(asset->body.size() > 500);
    Response res = get(router, c.target);
    CHECK(res.result() == beast_http::status::ok);
    CHECK(res.body() == asset->body);
    CHECK(std::string(res[beast_http::field::content_type]).find(c.type) != std::string::npos);
    CHECK(std::string(res[beast_http::field::cache_control]).find("max-age=31536000") !=
          std::string::npos);
    std::string etag(res[beast_http::field::etag]);
    CHECK(etag.find(asset->version) != std::string::npos);

    Response again = get(router, c.target, etag);
    CHECK(again.result() == beast_http::status::not_modified);
    CHECK(again.body().empty());
    CHECK(again.count(beast_http::field::content_length) == 0);
  }
  CHECK(find_web_asset("swagger-ui-bundle.js")->body.find("SwaggerUIBundle") != std::string::npos);
  CHECK(find_web_asset("redoc.standalone.js")->body.find("cdn.redoc.ly") == std::string::npos);
}

TEST_CASE("a documentation path that names no embedded file of its page is a 404", "[docs]") {
  Router router = docs_router();
  CHECK(get(router, "/docs/nope.js").result() == beast_http::status::not_found);
  CHECK(get(router, "/docs/redoc.standalone.js").result() == beast_http::status::not_found);
  CHECK(get(router, "/redoc/swagger-ui.css").result() == beast_http::status::not_found);
}
