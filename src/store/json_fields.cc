#include "store/json_fields.h"

#include <boost/json.hpp>

#include "core/time_format.h"

namespace hookd::store {
namespace json = boost::json;

std::string EncodeMap(const core::StringMap& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return json::serialize(o);
}

core::StringMap DecodeMap(const std::string& text) {
  core::StringMap out;
  auto v = json::parse(text);
  for (const auto& [k, val] : v.as_object()) out[std::string(k)] = std::string(val.as_string());
  return out;
}

std::optional<std::string> EncodeList(const std::optional<std::vector<std::string>>& v) {
  if (!v) return std::nullopt;
  json::array a;
  for (const auto& s : *v) a.emplace_back(s);
  return json::serialize(a);
}

std::optional<std::vector<std::string>> DecodeList(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::vector<std::string> out;
  auto parsed = json::parse(*text);  // must outlive the loop
  for (const auto& s : parsed.as_array()) out.emplace_back(s.as_string());
  return out;
}

std::optional<std::string> EncodeInts(const std::optional<std::vector<int>>& v) {
  if (!v) return std::nullopt;
  json::array a;
  for (int n : *v) a.emplace_back(n);
  return json::serialize(a);
}

std::optional<std::vector<int>> DecodeInts(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::vector<int> out;
  auto parsed = json::parse(*text);  // must outlive the loop
  for (const auto& n : parsed.as_array()) out.push_back(static_cast<int>(n.to_number<int64_t>()));
  return out;
}

std::string EncodeSecrets(const std::vector<core::EndpointSecret>& secrets) {
  json::array a;
  for (const auto& s : secrets) {
    json::object o;
    o["key"] = s.key;
    if (s.expires_at) o["expiresAt"] = core::ToMicros(*s.expires_at);
    a.push_back(std::move(o));
  }
  return json::serialize(a);
}

std::vector<core::EndpointSecret> DecodeSecrets(const std::string& text) {
  std::vector<core::EndpointSecret> out;
  auto parsed = json::parse(text);  // must outlive the loop
  for (const auto& v : parsed.as_array()) {
    const auto& o = v.as_object();
    core::EndpointSecret s{std::string(o.at("key").as_string()), std::nullopt};
    if (auto* e = o.if_contains("expiresAt")) s.expires_at = core::FromMicros(e->to_number<int64_t>());
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace hookd::store
