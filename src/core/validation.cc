#include "core/validation.h"

#include <boost/url/parse.hpp>

#include "core/crypto.h"

namespace hookd::core {
namespace {

std::string CheckToken(std::string_view s, size_t max, std::string_view extra, const char* what) {
  if (s.empty()) return std::string(what) + " must not be empty";
  if (s.size() > max) return std::string(what) + " is longer than " + std::to_string(max);
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              extra.find(c) != std::string_view::npos;
    if (!ok) {
      return std::string(what) + " may contain only letters, digits and '" + std::string(extra) +
             "'";
    }
  }
  return "";
}

}  // namespace

std::string CheckUid(std::string_view uid) { return CheckToken(uid, 256, "-_.", "uid"); }
std::string CheckEventTypeName(std::string_view s) {
  return CheckToken(s, 256, "-_.", "event type name");
}
std::string CheckChannel(std::string_view s) { return CheckToken(s, 128, "-_.:", "channel"); }

std::string CheckUrl(std::string_view url) {
  if (url.size() > 65536) return "url is too long";
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return "url is not a valid absolute URL";
  auto scheme = parsed->scheme_id();
  if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https)
    return "url scheme must be http or https";
  if (parsed->encoded_host().empty()) return "url must have a host";
  return "";
}

std::string CheckSecret(std::string_view secret) {
  constexpr std::string_view kPrefix = "whsec_";
  if (!secret.starts_with(kPrefix)) return "secret must start with whsec_";
  auto raw = Base64Decode(secret.substr(kPrefix.size()));
  if (!raw) return "secret must be whsec_ followed by base64";
  if (raw->size() < 24 || raw->size() > 64) return "secret key must be 24 to 64 bytes";
  return "";
}

}  // namespace hookd::core
