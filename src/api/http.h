// Transport-neutral request/response types seen by handlers (no Beast types leak past server.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/capability.h"
#include "core/clock.h"

namespace hookd::api {

enum class Method { kGet, kPost, kPut, kPatch, kDelete, kOther };
// "GET", "POST", ... ("OTHER" for kOther).
std::string_view MethodName(Method m);

// Who is calling: admin tokens may do everything; app tokens what their capabilities say, in
// their app only (handlers resolve apps through ResolveApp, which enforces it).
struct Principal {
  std::string token_id;
  std::optional<std::string> app_id;  // nullopt: admin
  core::Capabilities capabilities = core::kAllCapabilities;
  std::optional<core::TimePoint> expires_at;
  bool admin() const { return !app_id; }
  bool Can(core::Capability c) const { return admin() || (capabilities & core::Bit(c)); }
  std::string scope() const { return app_id ? "app:" + *app_id : "admin"; }
};

struct Request {
  Method method = Method::kOther;
  std::string path;                                          // decoded path, no query
  std::multimap<std::string, std::string> query;             // decoded query parameters
  std::string raw_query;                                     // as sent, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string body;
  std::vector<std::string> params;  // path parameters, in pattern order
  Principal principal;
  bool authenticated = false;  // `principal` was established (from the head, before the body)
  size_t route = SIZE_MAX;     // the route Router::Match found for this head (none yet)

  std::optional<std::string_view> Header(std::string_view name) const;
  std::optional<std::string_view> Query(std::string_view name) const;
  std::vector<std::string> QueryAll(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

// Completes a request; may be called from any thread, exactly once.
using Reply = std::function<void(Response)>;

}  // namespace hookd::api
