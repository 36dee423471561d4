#include "delivery/http_target.h"

#include <boost/url/parse.hpp>

namespace hookd::delivery {

std::optional<HttpTarget> ParseHttpTarget(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed && url.find('#') != std::string_view::npos)  // a fragment is never sent
    parsed = boost::urls::parse_uri(url);
  if (!parsed) return std::nullopt;
  const auto& u = *parsed;
  if (u.scheme_id() != boost::urls::scheme::http || u.has_userinfo()) return std::nullopt;
  HttpTarget t;
  switch (u.host_type()) {
    case boost::urls::host_type::ipv4:
      t.numeric = true;
      t.host = u.host_address();
      break;
    case boost::urls::host_type::ipv6:
      t.numeric = true;
      t.host = u.host_ipv6_address().to_string();
      break;
    case boost::urls::host_type::name:
      if (u.encoded_host().find('%') != std::string_view::npos) return std::nullopt;
      t.host = u.encoded_host();
      break;
    default:  // IPvFuture, none
      return std::nullopt;
  }
  if (t.host.empty()) return std::nullopt;
  if (u.has_port()) {
    if (u.port().empty()) return std::nullopt;
    auto n = u.port_number();
    if (n == 0) return std::nullopt;
    t.port = n;
  }
  t.host_header = u.encoded_host();  // brackets kept around an IPv6 address
  if (t.port != 80) t.host_header += ":" + std::to_string(t.port);
  t.target = u.encoded_path();
  if (t.target.empty()) t.target = "/";
  if (u.has_query()) {
    t.target += '?';
    t.target += u.encoded_query();
  }
  t.pool_key = t.host + ":" + std::to_string(t.port);
  return t;
}

const std::optional<HttpTarget>& HttpTargetCache::Of(std::string_view url) {
  if (auto it = targets_.find(url); it != targets_.end()) return it->second;
  if (targets_.size() >= capacity_) targets_.clear();
  return targets_.emplace(std::string(url), ParseHttpTarget(url)).first->second;
}

}  // namespace hookd::delivery
