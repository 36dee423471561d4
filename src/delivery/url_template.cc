#include "delivery/url_template.h"

#include <boost/json.hpp>

#include "core/json_text.h"

namespace hookd::delivery {
namespace {

namespace json = boost::json;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// Offset where the path begins (after "scheme://authority"); npos when there is none.
size_t PathStart(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string_view::npos;
  auto p = url.find_first_of("/?#", scheme + 3);
  return p == std::string_view::npos ? url.size() : p;
}

// Walks the template, calling on_text(text) and on_var(name, offset) in order. Returns an error
// text for malformed templates.
template <class OnText, class OnVar>
std::string Walk(std::string_view url, OnText on_text, OnVar on_var) {
  size_t i = 0;
  while (i < url.size()) {
    auto open = url.find("{{", i);
    if (open == std::string_view::npos) {
      on_text(url.substr(i));
      break;
    }
    on_text(url.substr(i, open - i));
    auto close = url.find("}}", open + 2);
    if (close == std::string_view::npos) return "unclosed '{{' in url";
    auto name = url.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name.empty()) return "empty placeholder '{{}}' in url";
    for (char c : name)
      if (!IsNameChar(c)) return "placeholder '{{" + std::string(name) + "}}' has an invalid name";
    if (auto err = on_var(name, open); !err.empty()) return err;
    i = close + 2;
  }
  return "";
}

const json::value* PayloadPath(const json::value& payload, std::string_view path) {
  const json::value* cur = &payload;
  while (!path.empty()) {
    auto dot = path.find('.');
    auto key = path.substr(0, dot);
    if (!cur->is_object()) return nullptr;
    cur = cur->as_object().if_contains(key);
    if (!cur) return nullptr;
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return cur;
}

std::optional<std::string> ValueText(const json::value& v) {
  if (v.is_null()) return std::nullopt;
  if (v.is_string()) return std::string(v.as_string());
  return core::JsonText(v);
}

}  // namespace

void AppendPercentEncoded(std::string_view value, std::string& out, bool form) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : value) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum || c == '-' || c == '.' || c == '_' || (form ? c == '*' : c == '~')) {
      out += static_cast<char>(c);
    } else if (form && c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
}

bool HasPlaceholders(std::string_view url) { return url.find("{{") != std::string_view::npos; }

std::string CheckUrlTemplate(std::string_view url, const core::StringMap* env) {
  size_t path_start = PathStart(url);
  return Walk(
      url, [](std::string_view) {},
      [&](std::string_view name, size_t at) -> std::string {
        if (path_start == std::string_view::npos || at < path_start)
          return "placeholders are allowed only in the path and query of the url";
        if (env && name.starts_with("env.") && !env->contains(std::string(name.substr(4))))
          return "url variable '" + std::string(name) + "' is not in the application's env";
        return "";
      });
}

std::string SampleUrl(std::string_view url) {
  std::string out;
  Walk(
      url, [&](std::string_view t) { out += t; },
      [&](std::string_view, size_t) -> std::string {
        out += "x";
        return "";
      });
  return out;
}

boost::json::value PayloadFields(const core::Message& msg) {
  if (msg.content_type) return boost::json::object();
  return core::ParseJson(msg.payload);
}

core::Result<std::string> RenderUrl(std::string_view url, const core::Message& msg,
                                    const json::value& payload, const core::StringMap& env) {
  std::string out;
  out.reserve(url.size() + 32);
  auto err = Walk(
      url, [&](std::string_view t) { out += t; },
      [&](std::string_view name, size_t) -> std::string {
        std::optional<std::string> value;
        if (name == "msgId")
          value = msg.id;
        else if (name == "eventType")
          value = msg.event_type;
        else if (name == "eventId")
          value = msg.event_id;
        else if (name == "batchId" && msg.batch_id)
          value = msg.batch_id;
        else if (name.starts_with("env.")) {
          auto it = env.find(std::string(name.substr(4)));
          if (it != env.end()) value = it->second;
        } else if (name.starts_with("payload.")) {
          if (auto* v = PayloadPath(payload, name.substr(8))) value = ValueText(*v);
        } else if (auto it = env.find(std::string(name)); it != env.end()) {
          value = it->second;
        } else if (auto* v = PayloadPath(payload, name)) {
          value = ValueText(*v);
        }
        if (!value) return "url variable '" + std::string(name) + "' has no value for this message";
        if (*value == "." || *value == "..") {  // would be a dot-segment: rewrite the path
          for (size_t i = 0; i < value->size(); ++i) out += "%2E";
        } else {
          AppendPercentEncoded(*value, out, false);
        }
        return "";
      });
  if (!err.empty()) return core::Fail(core::ErrorCode::kValidation, err);
  return out;
}

}  // namespace hookd::delivery
