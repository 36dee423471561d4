// Hashing, encoding and comparison helpers over OpenSSL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hookd::core {

std::string Base64Encode(std::string_view raw);
std::optional<std::string> Base64Decode(std::string_view b64);  // standard alphabet, padded
std::string Sha256Hex(std::string_view data);
std::string HexEncode(std::string_view raw);  // lower case
// HMAC of `data` under `key` with digest "sha1", "sha256" or "sha512"; nullopt for another name.
std::optional<std::string> Hmac(std::string_view digest, std::string_view key,
                                std::string_view data);
// Compares in time independent of where the inputs differ (length leaks, contents do not).
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// "whsec_" + base64 of 24 random bytes.
std::string NewEndpointSecret();

}  // namespace hookd::core
