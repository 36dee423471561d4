#include "core/form.h"

#include <string>

#include "core/text.h"

namespace hookd::core {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding of one form key or value ('+' is a space); nullopt when malformed.
std::optional<std::string> FormDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == ' ') {
      return std::nullopt;  // not form encoding
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::optional<boost::json::object> ParseForm(std::string_view body) {
  boost::json::object out;
  while (!body.empty()) {
    auto amp = body.find('&');
    auto pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    auto key = FormDecode(pair.substr(0, eq));
    auto value = FormDecode(pair.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    // Percent-escapes may spell bytes that are not UTF-8 (e.g. Latin-1 "caf%E9"): they become
    // U+FFFD, so the fields are valid JSON strings wherever they go.
    out[SanitizeUtf8(*key)] = SanitizeUtf8(*value);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace hookd::core
