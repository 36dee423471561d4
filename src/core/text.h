// Text helpers.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace hookd::core {

// Valid UTF-8 from arbitrary bytes: each invalid or truncated sequence becomes U+FFFD, so the
// result can be embedded in JSON.
std::string SanitizeUtf8(std::string_view bytes);
// Whether `bytes` is valid UTF-8 without NUL (text every store can hold as it is).
bool IsUtf8Text(std::string_view bytes);

// `s` with ASCII letters lowercased (header names compare case-insensitively).
std::string AsciiLower(std::string s);

// Whether a header's value is a credential (authorization, cookies, tokens, keys, passwords, by
// name in any case): such values are never shown back. (Signatures are not credentials.)
bool IsCredentialHeader(std::string_view name);

// Hashes std::string keys and std::string_view lookups alike: with std::equal_to<>, an
// unordered_map<std::string, …> is searched by a view without copying it.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace hookd::core
