// Maps (method, path pattern) to handlers. Patterns use "{name}" for a path segment parameter.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/http.h"

namespace hookd::api {

using Handler = std::function<void(Request&, Reply)>;

// Who may call a route: holders of an API token, or anyone (the handler authenticates the
// caller itself, e.g. by a source's URL token and signature).
enum class Access { kToken, kPublic };

class Router {
 public:
  void Add(Method method, std::string_view pattern, Handler handler,
           Access access = Access::kToken);
  // Fills req.params (and *access) on a match. Returns nullptr and sets *status to 404 (no such
  // path) or 405 (path exists, method does not).
  const Handler* Match(Request& req, int* status, Access* access = nullptr) const;

 private:
  struct Route {
    Method method;
    std::vector<std::string> segments;  // "{...}" marks a parameter
    Handler handler;
    Access access;
  };
  std::vector<Route> routes_;
};

std::vector<std::string> SplitPath(std::string_view path);

}  // namespace hookd::api
