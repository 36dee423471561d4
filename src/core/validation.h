// Field validators. Each returns an empty string when valid, else a human-readable reason.
#pragma once

#include <string>
#include <string_view>

namespace hookd::core {

std::string CheckUid(std::string_view uid);           // 1..256 of [A-Za-z0-9-_.]
std::string CheckEventTypeName(std::string_view s);   // 1..256 of [A-Za-z0-9-_.]
std::string CheckChannel(std::string_view s);         // 1..128 of [A-Za-z0-9-_.:]
std::string CheckUrl(std::string_view url);           // absolute http(s) URL with a host
std::string CheckSecret(std::string_view secret);     // "whsec_" + base64 of 24..64 bytes

}  // namespace hookd::core
