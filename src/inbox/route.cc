#include "inbox/route.h"

#include <boost/json.hpp>
#include <charconv>
#include <optional>

#include "core/form.h"
#include "core/json_text.h"

namespace hookd::inbox {
namespace json = boost::json;
namespace {

// The value at dotted `path` of `root`, or nullptr. A plain field name is tried first, so form
// fields and JSON keys with dots in them match as sent.
const json::value* Find(const json::value& root, std::string_view path) {
  if (root.is_object()) {
    if (auto* v = root.as_object().if_contains(path)) return v;
  }
  const json::value* at = &root;
  while (at && !path.empty()) {
    auto dot = path.find('.');
    auto key = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (at->is_object()) {
      at = at->as_object().if_contains(key);
    } else if (at->is_array()) {
      size_t i = 0;
      auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), i);
      const auto& a = at->as_array();
      at = ec == std::errc() && end == key.data() + key.size() && i < a.size() ? &a[i] : nullptr;
    } else {
      at = nullptr;
    }
  }
  return at;
}

std::string Text(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

json::value Fields(std::string_view body, std::string_view query) {
  std::string_view trimmed = body;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front())))
    trimmed.remove_prefix(1);
  if (trimmed.starts_with('{')) {
    boost::system::error_code ec;
    auto v = core::ParseJson(body, ec);
    if (!ec) return v;
  }
  if (auto form = core::ParseForm(body.empty() ? query : body)) return std::move(*form);
  return nullptr;
}

}  // namespace

std::string EventTypeOf(const core::SourceSettings& settings, std::string_view body,
                        std::string_view query) {
  if (settings.routes.empty()) return settings.default_event_type;
  auto fields = Fields(body, query);
  for (const auto& rule : settings.routes) {
    auto* v = Find(fields, rule.field);
    if (v && !v->is_null() && (!rule.equals || Text(*v) == *rule.equals)) return rule.event_type;
  }
  return settings.default_event_type;
}

}  // namespace hookd::inbox
