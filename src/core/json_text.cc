#include "core/json_text.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

namespace hookd::core {

void AppendJsonText(const boost::json::value& v, std::string& out) {
  switch (v.kind()) {
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, child] : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += boost::json::serialize(boost::json::string_view(k));
        out += ':';
        AppendJsonText(child, out);
      }
      out += '}';
      return;
    }
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& child : v.get_array()) {
        if (!first) out += ',';
        first = false;
        AppendJsonText(child, out);
      }
      out += ']';
      return;
    }
    case boost::json::kind::double_: {
      double d = v.get_double();
      if (!std::isfinite(d)) {
        out += "null";
        return;
      }
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
      out.append(buf, end);
      return;
    }
    default:
      out += boost::json::serialize(v);
  }
}

namespace {
bool HasDouble(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      return true;
    case boost::json::kind::object:
      for (const auto& [k, child] : v.get_object())
        if (HasDouble(child)) return true;
      return false;
    case boost::json::kind::array:
      for (const auto& child : v.get_array())
        if (HasDouble(child)) return true;
      return false;
    default:
      return false;
  }
}
bool HasNonFinite(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      return !std::isfinite(v.get_double());
    case boost::json::kind::object:
      for (const auto& [k, child] : v.get_object())
        if (HasNonFinite(child)) return true;
      return false;
    case boost::json::kind::array:
      for (const auto& child : v.get_array())
        if (HasNonFinite(child)) return true;
      return false;
    default:
      return false;
  }
}
}  // namespace

std::string JsonText(const boost::json::value& v) {
  // Boost's serializer is faster and agrees with ours except for doubles: use it when it can.
  if (!HasDouble(v)) return boost::json::serialize(v);
  std::string out;
  AppendJsonText(v, out);
  return out;
}

std::optional<std::string> FiniteJsonText(const boost::json::value& v) {
  if (!HasDouble(v)) return boost::json::serialize(v);
  if (HasNonFinite(v)) return std::nullopt;
  std::string out;
  AppendJsonText(v, out);
  return out;
}

}  // namespace hookd::core
