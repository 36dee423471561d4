#include "api/router.h"

namespace hookd::api {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

void Router::Add(Method method, std::string_view pattern, Access access, Handler handler,
                 HeadCheck check) {
  routes_.push_back({method, SplitPath(pattern), std::move(handler), access, std::move(check)});
}

const Handler* Router::Match(Request& req, int* status, Access* access,
                             const HeadCheck** check) const {
  auto segs = SplitPath(req.path);
  *status = 404;
  for (const auto& route : routes_) {
    if (route.segments.size() != segs.size()) continue;
    std::vector<std::string> params;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const auto& p = route.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}')
        params.push_back(segs[i]);
      else
        ok = p == segs[i];
    }
    if (!ok) continue;
    if (route.method != req.method) {
      *status = 405;
      continue;
    }
    req.params = std::move(params);
    if (access) *access = route.access;
    if (check) *check = route.check ? &route.check : nullptr;
    return &route.handler;
  }
  return nullptr;
}

std::vector<Router::RouteInfo> Router::List() const {
  std::vector<RouteInfo> out;
  for (const auto& route : routes_) {
    std::string pattern;
    for (const auto& seg : route.segments) pattern += "/" + seg;
    out.push_back({route.method, pattern, route.access});
  }
  return out;
}

}  // namespace hookd::api
