// Maps (method, path pattern) to handlers. Patterns use "{name}" for a path segment parameter.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/http.h"

namespace hookd::api {

using Handler = std::function<void(Request&, Reply)>;

// Who may call a route: anyone (the handler authenticates the caller itself, e.g. by a source's
// URL token and signature), admin tokens only, or tokens holding a capability (app tokens in
// their own app: handlers resolve the app through ResolveApp).
struct Access {
  enum class Kind : uint8_t { kPublic, kAdmin, kCapability };
  Kind kind;
  core::Capability capability = core::Capability::kViewBase;  // for kCapability

  bool Allows(const Principal& p) const {
    return kind == Kind::kPublic || p.admin() || (kind == Kind::kCapability && p.Can(capability));
  }
};
inline constexpr Access kPublic{Access::Kind::kPublic};
inline constexpr Access kAdmin{Access::Kind::kAdmin};
inline constexpr Access kView{Access::Kind::kCapability, core::Capability::kViewBase};
inline constexpr Access kViewSecret{Access::Kind::kCapability,
                                    core::Capability::kViewEndpointSecret};
inline constexpr Access kManageSecret{Access::Kind::kCapability,
                                      core::Capability::kManageEndpointSecret};
inline constexpr Access kManageEndpoint{Access::Kind::kCapability,
                                        core::Capability::kManageEndpoint};
inline constexpr Access kCreateAttempts{Access::Kind::kCapability,
                                        core::Capability::kCreateAttempts};
inline constexpr Access kManageMessages{Access::Kind::kCapability,
                                        core::Capability::kManageMessages};

// Looks at a public route's request head before its body is read; a response refuses the
// request there (e.g. an unknown URL token), so its body is never read.
using HeadCheck = std::function<std::optional<Response>(Request& head)>;

class Router {
 public:
  void Add(Method method, std::string_view pattern, Access access, Handler handler,
           HeadCheck check = nullptr);
  // Fills req.params and req.route (and *access, *check) on a match. Returns nullptr and sets
  // *status to 404 (no such path) or 405 (path exists, method does not). A request matched once
  // is not matched again: its req.route is returned (the head is screened, then handled).
  const Handler* Match(Request& req, int* status, Access* access = nullptr,
                       const HeadCheck** check = nullptr) const;

  struct RouteInfo {
    Method method;
    std::string pattern;  // e.g. /api/v1/app/{app}
    Access access;
  };
  // Every route, in registration order.
  std::vector<RouteInfo> List() const;

 private:
  struct Route {
    Method method;
    std::vector<std::string> segments;  // "{...}" marks a parameter
    Handler handler;
    Access access;
    HeadCheck check;
  };
  std::vector<Route> routes_;
};

std::vector<std::string> SplitPath(std::string_view path);

}  // namespace hookd::api
