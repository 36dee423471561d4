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
  auto found = [&](size_t i) {
    const auto& route = routes_[i];
    req.route = i;
    if (access) *access = route.access;
    if (check) *check = route.check ? &route.check : nullptr;
    return &route.handler;
  };
  if (req.route < routes_.size()) return found(req.route);  // matched already (its head)
  auto segs = SplitPath(req.path);
  *status = 404;
  for (size_t r = 0; r < routes_.size(); ++r) {
    const auto& route = routes_[r];
    if (route.segments.size() != segs.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const auto& p = route.segments[i];
      ok = (p.size() > 2 && p.front() == '{' && p.back() == '}') || p == segs[i];
    }
    if (!ok) continue;
    if (route.method != req.method) {
      *status = 405;
      continue;
    }
    req.params.clear();
    for (size_t i = 0; i < segs.size(); ++i) {
      const auto& p = route.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') req.params.push_back(segs[i]);
    }
    return found(r);
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
