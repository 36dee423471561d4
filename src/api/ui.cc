// GET /ui, /ui/ and /ui/{asset}: the dashboard, served from the files built into the binary
// (ui_assets.h). Public: the page logs in with a token the user gives it (or a portal link's
// #token=...), kept in the browser. Routing inside the page uses the URL fragment, so the server
// only ever serves the page and its flat, hashed files; an unknown name is a 404.
#include "api/ui.h"

#include <algorithm>

#include "api/errors.h"
#include "api/ui_assets.h"

namespace hookd::api {

namespace {

// Scripts and styles from hookd only, no inline code; API calls to hookd only. No
// frame-ancestors: a SaaS embeds its customers' portal links in its own pages.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'";

// True when If-None-Match names `etag` (or is "*"); weak comparison, as RFC 9110 asks for GET.
bool Matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.find('*') != std::string_view::npos) return true;
  size_t i = 0;
  while ((i = if_none_match.find(etag, i)) != std::string_view::npos) {
    size_t end = i + etag.size();
    if (end == if_none_match.size() || if_none_match[end] == ',' || if_none_match[end] == ' ')
      return true;
    i = end;
  }
  return false;
}

Response Serve(const Request& req, const UiAsset& asset) {
  Response res{200, "", std::string(asset.content_type)};
  res.headers = {
      {"ETag", std::string(asset.etag)},
      {"Cache-Control", asset.immutable ? "public, max-age=31536000, immutable" : "no-cache"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
  };
  if (asset.content_type.starts_with("text/html"))
    res.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  if (auto inm = req.Header("if-none-match"); inm && Matches(*inm, asset.etag)) {
    res.status = 304;
  } else {
    res.body = std::string(asset.body);
  }
  return res;
}

const UiAsset* Find(std::string_view name) {
  auto assets = UiAssets();
  auto it = std::find_if(assets.begin(), assets.end(),
                         [name](const UiAsset& a) { return a.name == name; });
  return it == assets.end() ? nullptr : &*it;
}

}  // namespace

void RegisterUi(Router& r) {
  r.Add(Method::kGet, "/ui", kPublic, [](Request& req, Reply reply) {
    // "/ui" itself: the page's relative file names resolve against "/ui/", so go there
    // (a relative Location, so a path prefix added by a proxy is kept).
    if (!req.path.ends_with('/')) {
      Response res{308, "", ""};
      res.headers = {{"Location", "ui/" + (req.raw_query.empty() ? "" : "?" + req.raw_query)}};
      return reply(std::move(res));
    }
    const UiAsset* index = Find("index.html");
    reply(index ? Serve(req, *index)
                : ErrorResponse(core::ErrorCode::kNotFound, "this hookd has no dashboard"));
  });
  r.Add(Method::kGet, "/ui/{asset}", kPublic, [](Request& req, Reply reply) {
    const UiAsset* asset = Find(req.params[0]);
    reply(asset ? Serve(req, *asset)
                : ErrorResponse(core::ErrorCode::kNotFound, "no such dashboard file"));
  });
}

}  // namespace hookd::api
