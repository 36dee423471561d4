// The dashboard's files (web/), built into the binary: web/build.mjs bundles them with esbuild
// and generates the table (ui_assets.cc in the build directory) at build time.
#pragma once

#include <span>
#include <string_view>

namespace hookd::api {

struct UiAsset {
  std::string_view name;          // file name under /ui/, e.g. "app-4F2A91C3.js"
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view etag;          // strong validator, quoted: a hash of `body`
  bool immutable;                 // the name carries a content hash: cacheable for good
  std::string_view body;
};

// Every file; "index.html" is the page itself. Static storage, never changes.
std::span<const UiAsset> UiAssets();

}  // namespace hookd::api
