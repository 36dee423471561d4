#include "cli/pretty.h"

#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>

#include "core/json_text.h"

namespace hookd::cli {
namespace {

namespace json = boost::json;

const char* Code(Colour c) {
  switch (c) {
    case Colour::kRed:
      return "31";
    case Colour::kGreen:
      return "32";
    case Colour::kYellow:
      return "33";
    case Colour::kBlue:
      return "34";
    case Colour::kMagenta:
      return "35";
    case Colour::kCyan:
      return "36";
    case Colour::kDim:
      return "2";
    case Colour::kBold:
      return "1";
  }
  return "0";
}

void Indent(std::string& out, int depth) { out.append(static_cast<size_t>(depth) * 2, ' '); }

void Append(const json::value& v, bool colour, int depth, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.get_object();
      if (o.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      size_t i = 0;
      for (const auto& [key, value] : o) {
        Indent(out, depth + 1);
        out += Paint(json::serialize(json::string_view(key)), Colour::kCyan, colour);
        out += ": ";
        Append(value, colour, depth + 1, out);
        out += ++i < o.size() ? ",\n" : "\n";
      }
      Indent(out, depth);
      out += '}';
      return;
    }
    case json::kind::array: {
      const auto& a = v.get_array();
      if (a.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      for (size_t i = 0; i < a.size(); ++i) {
        Indent(out, depth + 1);
        Append(a[i], colour, depth + 1, out);
        out += i + 1 < a.size() ? ",\n" : "\n";
      }
      Indent(out, depth);
      out += ']';
      return;
    }
    case json::kind::string:
      out += Paint(core::JsonText(v), Colour::kGreen, colour);
      return;
    case json::kind::bool_:
    case json::kind::null:
      out += Paint(core::JsonText(v), Colour::kMagenta, colour);
      return;
    default:
      out += Paint(core::JsonText(v), Colour::kYellow, colour);
  }
}

}  // namespace

bool UseColour(std::FILE* stream) {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour != nullptr && *no_colour != '\0') return false;
  return isatty(fileno(stream)) == 1;
}

std::string Paint(std::string_view text, Colour colour, bool on) {
  if (!on) return std::string(text);
  return std::string("\x1b[") + Code(colour) + "m" + std::string(text) + "\x1b[0m";
}

std::string PrettyJson(const json::value& v, bool colour) {
  std::string out;
  Append(v, colour, 0, out);
  return out;
}

std::string PrettyBody(std::string_view body, bool colour) {
  boost::system::error_code ec;
  auto v = core::ParseJson(body, ec);
  if (!ec) return PrettyJson(v, colour);
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : body) {
    if (c >= 0x20 || c == '\n' || c == '\t' || c == '\r') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

}  // namespace hookd::cli
