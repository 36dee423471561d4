#include "api/http.h"

#include <sstream>

namespace hookd::api {

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kOther:
      break;
  }
  return "OTHER";
}

std::optional<std::string_view> Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return std::nullopt;
}

std::optional<std::string_view> Request::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Request::QueryAll(std::string_view name) const {
  std::vector<std::string> out;
  // Repeated parameters, comma-separated lists, and the bracket form name[]=a&name[]=b.
  for (const std::string& key : {std::string(name), std::string(name) + "[]"}) {
    auto [b, e] = query.equal_range(key);
    for (auto it = b; it != e; ++it) {
      std::stringstream ss(it->second);
      for (std::string part; std::getline(ss, part, ',');)
        if (!part.empty()) out.push_back(part);
    }
  }
  return out;
}

}  // namespace hookd::api
