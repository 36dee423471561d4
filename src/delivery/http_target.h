// Where an http:// request goes, split from its URL for the HTTP/1.1 client.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/text.h"

namespace hookd::delivery {

struct HttpTarget {
  std::string host;      // name or address to connect to, IPv6 without brackets
  bool numeric = false;  // host is an IP literal (no name resolution)
  uint16_t port = 80;
  std::string host_header;  // as the URL spells it, ":port" only when not 80
  std::string target;       // path and query as given (never normalised), "/" when empty
  std::string pool_key;     // "host:port": connections are pooled and limited per key
};

// The request target of a plain http:// URL, or nullopt when the URL is anything else (https,
// user info, a malformed URL...): those stay with libcurl, which keeps its own rules for them.
std::optional<HttpTarget> ParseHttpTarget(std::string_view url);

// ParseHttpTarget's answers by URL, for a client that sends to the same few URLs again and
// again (parsing one costs more than looking it up). Holds at most `capacity` URLs: when full it
// starts over empty.
class HttpTargetCache {
 public:
  explicit HttpTargetCache(size_t capacity = 4096) : capacity_(capacity) {}
  // Valid until the next call.
  const std::optional<HttpTarget>& Of(std::string_view url);
  size_t size() const { return targets_.size(); }

 private:
  size_t capacity_;
  std::unordered_map<std::string, std::optional<HttpTarget>, core::StringHash, std::equal_to<>>
      targets_;
};

}  // namespace hookd::delivery
