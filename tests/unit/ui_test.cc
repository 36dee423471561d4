// The dashboard's routes (api/ui.cc) over the files built into the binary.
#include "api/ui.h"

#include <gtest/gtest.h>

#include <optional>

#include "api/ui_assets.h"

namespace hookd::api {
namespace {

std::optional<std::string> HeaderOf(const Response& res, std::string_view name) {
  for (const auto& [k, v] : res.headers)
    if (k == name) return v;
  return std::nullopt;
}

class Ui : public ::testing::Test {
 protected:
  Ui() { RegisterUi(router_); }

  Response Get(std::string path, std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request req{.method = Method::kGet, .path = std::move(path), .headers = std::move(headers)};
    int status = 0;
    const Handler* h = router_.Match(req, &status);
    if (!h) return Response{status, "", ""};
    std::optional<Response> out;
    (*h)(req, [&](Response res) { out = std::move(res); });
    EXPECT_TRUE(out) << "handler did not reply";
    return out.value_or(Response{0});
  }

  Router router_;
};

TEST_F(Ui, TheBuildEmbedsThePageAndItsHashedFiles) {
  int scripts = 0, styles = 0, pages = 0;
  for (const auto& a : UiAssets()) {
    EXPECT_FALSE(a.body.empty()) << a.name;
    EXPECT_TRUE(a.etag.starts_with('"') && a.etag.ends_with('"')) << a.name;
    pages += a.name == "index.html";
    scripts += a.name.ends_with(".js");
    styles += a.name.ends_with(".css");
    EXPECT_EQ(a.immutable, a.name != "index.html") << a.name;
  }
  EXPECT_EQ(pages, 1);
  EXPECT_EQ(scripts, 1);
  EXPECT_EQ(styles, 1);
}

TEST_F(Ui, ServesThePageWithCspAndRevalidation) {
  auto redirect = Get("/ui");
  EXPECT_EQ(redirect.status, 308);
  EXPECT_EQ(HeaderOf(redirect, "Location"), "ui/");

  auto page = Get("/ui/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(page, "Cache-Control"), "no-cache");
  auto csp = HeaderOf(page, "Content-Security-Policy");
  ASSERT_TRUE(csp);
  EXPECT_NE(csp->find("script-src 'self';"), std::string::npos);
  EXPECT_EQ(csp->find("unsafe-inline"), std::string::npos);
  auto etag = HeaderOf(page, "ETag");
  ASSERT_TRUE(etag);

  EXPECT_EQ(Get("/ui/", {{"if-none-match", *etag}}).status, 304);
  EXPECT_EQ(Get("/ui/", {{"if-none-match", "\"other\", W/" + *etag}}).status, 304);
  EXPECT_EQ(Get("/ui/", {{"if-none-match", "*"}}).status, 304);
  auto stale = Get("/ui/", {{"if-none-match", "\"other\""}});
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body, page.body);
}

TEST_F(Ui, ServesHashedFilesImmutableAndRefusesUnknownNames) {
  for (const auto& a : UiAssets()) {
    if (!a.immutable) continue;
    auto res = Get("/ui/" + std::string(a.name));
    EXPECT_EQ(res.status, 200) << a.name;
    EXPECT_EQ(res.body, a.body);
    EXPECT_EQ(res.content_type, a.content_type);
    EXPECT_EQ(HeaderOf(res, "Cache-Control"), "public, max-age=31536000, immutable");
    EXPECT_EQ(HeaderOf(res, "X-Content-Type-Options"), "nosniff");
  }
  EXPECT_EQ(Get("/ui/app-NOPE.js").status, 404);
  EXPECT_EQ(Get("/ui/a/b").status, 404);  // no such route: routing is in the fragment
}

}  // namespace
}  // namespace hookd::api
