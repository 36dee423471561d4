#include "core/json_text.h"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cmath>

namespace hookd::core {
namespace {

namespace json = boost::json;
using boost::system::error_code;
using json::string_view;

// Builds the value like Boost.JSON's own parser handler, reading doubles from their text.
struct PreciseHandler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  json::value_stack st;
  std::string number;  // a number's text when it arrives in parts

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) { return true; }
  bool on_object_end(std::size_t n, error_code&) { return st.push_object(n), true; }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t n, error_code&) { return st.push_array(n), true; }
  bool on_key_part(string_view s, std::size_t, error_code&) { return st.push_chars(s), true; }
  bool on_key(string_view s, std::size_t, error_code&) { return st.push_key(s), true; }
  bool on_string_part(string_view s, std::size_t, error_code&) { return st.push_chars(s), true; }
  bool on_string(string_view s, std::size_t, error_code&) { return st.push_string(s), true; }
  bool on_number_part(string_view s, error_code&) { return number.append(s), true; }
  bool on_int64(std::int64_t i, string_view, error_code&) {
    number.clear();
    return st.push_int64(i), true;
  }
  bool on_uint64(std::uint64_t u, string_view, error_code&) {
    number.clear();
    return st.push_uint64(u), true;
  }
  bool on_double(double d, string_view s, error_code&) {
    std::string_view text = s;
    if (!number.empty()) text = number.append(s);
    double nearest = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), nearest);
    if (ec == std::errc()) d = nearest;  // out of range: Boost's infinity stays
    number.clear();
    return st.push_double(d), true;
  }
  bool on_bool(bool b, error_code&) { return st.push_bool(b), true; }
  bool on_null(error_code&) { return st.push_null(), true; }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }
};

}  // namespace

json::value ParseJson(std::string_view text, error_code& ec) {
  json::basic_parser<PreciseHandler> p(json::parse_options{});
  p.handler().st.reset();
  size_t n = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && n < text.size()) ec = json::error::extra_data;
  if (ec) return nullptr;
  return p.handler().st.release();
}

json::value ParseJson(std::string_view text) {
  error_code ec;
  auto v = ParseJson(text, ec);
  if (ec) throw boost::system::system_error(ec);
  return v;
}

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
      if (d == 0 && std::signbit(d)) {  // "-0" would read back as the integer 0
        out += "-0.0";
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
// True when a double in `v` satisfies `test`.
template <class Test>
bool AnyDouble(const boost::json::value& v, Test test) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      return test(v.get_double());
    case boost::json::kind::object:
      for (const auto& [k, child] : v.get_object())
        if (AnyDouble(child, test)) return true;
      return false;
    case boost::json::kind::array:
      for (const auto& child : v.get_array())
        if (AnyDouble(child, test)) return true;
      return false;
    default:
      return false;
  }
}
bool HasDouble(const boost::json::value& v) {
  return AnyDouble(v, [](double) { return true; });
}
bool HasNonFinite(const boost::json::value& v) {
  return AnyDouble(v, [](double d) { return !std::isfinite(d); });
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
