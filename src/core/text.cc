#include "core/text.h"

namespace hookd::core {

namespace {

// The length of the valid UTF-8 sequence at in[i], or 0. Overlong forms, surrogates and code
// points past U+10FFFF are invalid.
size_t ValidSequence(std::string_view in, size_t i) {
  unsigned char c = static_cast<unsigned char>(in[i]);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > in.size()) return 0;
  for (size_t k = 1; k < len; ++k)
    if ((static_cast<unsigned char>(in[i + k]) & 0xC0) != 0x80) return 0;
  if (len == 1) return 1;
  uint32_t cp = c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(in[i + k]) & 0x3F);
  bool ok = !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) && !(len == 4 && cp < 0x10000) &&
            !(cp >= 0xD800 && cp <= 0xDFFF) && cp <= 0x10FFFF;
  return ok ? len : 0;
}

}  // namespace

std::string SanitizeUtf8(std::string_view in) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    if (size_t len = ValidSequence(in, i)) {
      out.append(in.substr(i, len));
      i += len;
    } else {
      out.append(kReplacement);
      ++i;
    }
  }
  return out;
}

bool IsUtf8Text(std::string_view in) {
  for (size_t i = 0; i < in.size();) {
    size_t len = ValidSequence(in, i);
    if (len == 0 || in[i] == '\0') return false;
    i += len;
  }
  return true;
}

std::string AsciiLower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

bool IsCredentialHeader(std::string_view header) {
  std::string name = AsciiLower(std::string(header));
  if (name == "cookie" || name == "set-cookie") return true;
  for (std::string_view part : {"auth", "token", "secret", "password", "passwd", "api-key",
                                "apikey", "private-key", "privatekey", "credential", "session"}) {
    if (name.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace hookd::core
