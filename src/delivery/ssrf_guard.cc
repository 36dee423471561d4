#include "delivery/ssrf_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <string_view>

namespace hookd::delivery {
namespace {

using Bytes = std::array<uint8_t, 16>;

constexpr std::string_view kRefused = " (refused by the SSRF guard)";

// How an IPv6 range carries an IPv4 address that is classified instead of the range itself.
enum class Embedded { kNone, kLow32, k6to4 };

struct Range {
  Bytes net;
  int prefix;
  const char* what;  // "a private address"; for embedding ranges, the form's name ("6to4")
  Embedded embedded = Embedded::kNone;
};

constexpr Bytes V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return {a, b, c, d}; }

// Leading groups of an IPv6 address; the rest are zero. V6(0x2001, 0xdb8) is 2001:db8::.
constexpr Bytes V6(std::initializer_list<uint16_t> groups) {
  Bytes out{};
  size_t i = 0;
  for (uint16_t g : groups) {
    out[i++] = static_cast<uint8_t>(g >> 8);
    out[i++] = static_cast<uint8_t>(g & 0xff);
  }
  return out;
}

// First match wins, so more specific entries come first.
constexpr Range kV4Ranges[] = {
    {V4(169, 254, 169, 254), 32, "the cloud metadata address (link-local)"},
    {V4(255, 255, 255, 255), 32, "the limited broadcast address"},
    {V4(0, 0, 0, 0), 8, "a \"this network\" address"},
    {V4(10, 0, 0, 0), 8, "a private address"},
    {V4(100, 64, 0, 0), 10, "a shared (CGNAT) address"},
    {V4(127, 0, 0, 0), 8, "a loopback address"},
    {V4(169, 254, 0, 0), 16, "a link-local address"},
    {V4(172, 16, 0, 0), 12, "a private address"},
    {V4(192, 0, 0, 0), 24, "an IETF protocol assignment address"},
    {V4(192, 0, 2, 0), 24, "a documentation address"},
    {V4(192, 168, 0, 0), 16, "a private address"},
    {V4(198, 18, 0, 0), 15, "a benchmarking address"},
    {V4(198, 51, 100, 0), 24, "a documentation address"},
    {V4(203, 0, 113, 0), 24, "a documentation address"},
    {V4(224, 0, 0, 0), 4, "a multicast address"},
    {V4(240, 0, 0, 0), 4, "a reserved address"},
};

constexpr Range kV6Ranges[] = {
    {V6({}), 128, "the unspecified address"},
    {V6({0, 0, 0, 0, 0, 0, 0, 1}), 128, "a loopback address"},
    {V6({0, 0, 0, 0, 0, 0xffff}), 96, "IPv4-mapped", Embedded::kLow32},
    {V6({0x64, 0xff9b}), 96, "NAT64", Embedded::kLow32},
    {V6({0x2002}), 16, "6to4", Embedded::k6to4},
    {V6({0x100}), 64, "a discard-only address"},
    {V6({0x2001, 0xdb8}), 32, "a documentation address"},
    {V6({0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254}), 128, "the cloud metadata address (unique local)"},
    {V6({0xfc00}), 7, "a unique local (private) address"},
    {V6({0xfe80}), 10, "a link-local address"},
    {V6({0xfec0}), 10, "a site-local address"},
    {V6({0xff00}), 8, "a multicast address"},
};

// True when the first `prefix` bits of `ip` and `net` agree.
bool PrefixMatch(const uint8_t* ip, const uint8_t* net, int prefix) {
  int full = prefix / 8;
  if (std::memcmp(ip, net, full) != 0) return false;
  int rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return ((ip[full] ^ net[full]) & mask) == 0;
}

const Range* Find(const Range* begin, const Range* end, const uint8_t* ip) {
  for (const Range* r = begin; r != end; ++r) {
    if (PrefixMatch(ip, r->net.data(), r->prefix)) return r;
  }
  return nullptr;
}

const Range* FindV4(const uint8_t* ip) {
  return Find(std::begin(kV4Ranges), std::end(kV4Ranges), ip);
}

const Range* FindV6(const uint8_t* ip) {
  return Find(std::begin(kV6Ranges), std::end(kV6Ranges), ip);
}

std::string Format(int family, const uint8_t* ip) {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(family, ip, buf, sizeof buf) == nullptr) return "?";
  return buf;
}

// At most 64 printable characters of untrusted input, for use in a reason.
std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 64) out += "...";
  return out;
}

// Parses a strict IPv4 or IPv6 literal (no brackets, no zone) into `out`. False if it is not one.
bool ParseIp(std::string_view text, bool& v6, uint8_t out[16]) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (std::memchr(buf, '\0', text.size()) != nullptr) return false;
  if (inet_pton(AF_INET, buf, out) == 1) {
    v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, buf, out) == 1) {
    v6 = true;
    return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

core::Result<SsrfGuard> SsrfGuard::Create(const std::vector<std::string>& allowed_cidrs) {
  SsrfGuard guard;
  for (const std::string& entry : allowed_cidrs) {
    auto fail = [&](std::string_view why) {
      return core::Fail(core::ErrorCode::kBadRequest,
                        "invalid allowed CIDR \"" + Printable(entry) + "\": " + std::string(why));
    };
    std::string_view text = Trim(entry);
    std::string_view addr_text = text;
    std::string_view prefix_text;
    bool has_prefix = false;
    if (size_t slash = text.find('/'); slash != std::string_view::npos) {
      addr_text = text.substr(0, slash);
      prefix_text = text.substr(slash + 1);
      has_prefix = true;
    }
    Cidr cidr;
    if (!ParseIp(addr_text, cidr.v6, cidr.net.data())) {
      return fail("expected an IPv4 or IPv6 address, optionally followed by /prefix");
    }
    int max_prefix = cidr.v6 ? 128 : 32;
    cidr.prefix = max_prefix;
    if (has_prefix) {
      const char* first = prefix_text.data();
      const char* last = first + prefix_text.size();
      auto [ptr, ec] = std::from_chars(first, last, cidr.prefix);
      if (prefix_text.empty() || ec != std::errc() || ptr != last || cidr.prefix < 0 ||
          cidr.prefix > max_prefix) {
        return fail("prefix length must be a number from 0 to " + std::to_string(max_prefix));
      }
    }
    // Refuse "10.0.0.5/8": the author most likely meant a single host, not the whole range.
    Bytes masked{};
    int full = cidr.prefix / 8;
    std::memcpy(masked.data(), cidr.net.data(), full);
    if (cidr.prefix % 8 != 0) {
      masked[full] = cidr.net[full] & static_cast<uint8_t>(0xff << (8 - cidr.prefix % 8));
    }
    if (std::memcmp(masked.data(), cidr.net.data(), cidr.v6 ? 16 : 4) != 0) {
      return fail("host bits are set (did you mean " +
                  Format(cidr.v6 ? AF_INET6 : AF_INET, masked.data()) + "/" +
                  std::to_string(cidr.prefix) + "?)");
    }
    guard.allowed_.push_back(cidr);
    // "::ffff:127.0.0.0/104" also allows the plain IPv4 range it maps.
    static constexpr Bytes kMapped = V6({0, 0, 0, 0, 0, 0xffff});
    if (cidr.v6 && cidr.prefix >= 96 && PrefixMatch(cidr.net.data(), kMapped.data(), 96)) {
      Cidr v4;
      std::memcpy(v4.net.data(), cidr.net.data() + 12, 4);
      v4.prefix = cidr.prefix - 96;
      guard.allowed_.push_back(v4);
    }
  }
  return guard;
}

bool SsrfGuard::Allowed(bool v6, const uint8_t* ip) const {
  for (const Cidr& c : allowed_) {
    if (c.v6 == v6 && PrefixMatch(ip, c.net.data(), c.prefix)) return true;
  }
  return false;
}

std::string SsrfGuard::CheckV4(const uint8_t ip[4]) const {
  if (Allowed(false, ip)) return {};
  const Range* r = FindV4(ip);
  if (r == nullptr) return {};
  return "destination " + Format(AF_INET, ip) + " is " + r->what + std::string(kRefused);
}

std::string SsrfGuard::CheckV6(const uint8_t ip[16]) const {
  if (Allowed(true, ip)) return {};
  const Range* r = FindV6(ip);
  if (r == nullptr) return {};
  if (r->embedded == Embedded::kNone) {
    return "destination " + Format(AF_INET6, ip) + " is " + r->what + std::string(kRefused);
  }
  const uint8_t* v4 = r->embedded == Embedded::k6to4 ? ip + 2 : ip + 12;
  if (Allowed(false, v4)) return {};
  const Range* inner = FindV4(v4);
  if (inner == nullptr) return {};
  return "destination " + Format(AF_INET6, ip) + " embeds IPv4 " + Format(AF_INET, v4) + " (" +
         r->what + "), which is " + inner->what + std::string(kRefused);
}

std::string SsrfGuard::Check(const struct sockaddr* addr) const {
  if (addr == nullptr) return "destination address is missing" + std::string(kRefused);
  if (addr->sa_family == AF_INET) {
    sockaddr_in sin;
    std::memcpy(&sin, addr, sizeof sin);
    return CheckV4(reinterpret_cast<const uint8_t*>(&sin.sin_addr));
  }
  if (addr->sa_family == AF_INET6) {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, addr, sizeof sin6);
    return CheckV6(reinterpret_cast<const uint8_t*>(&sin6.sin6_addr));
  }
  return "destination address family " + std::to_string(addr->sa_family) +
         " is neither IPv4 nor IPv6" + std::string(kRefused);
}

std::string SsrfGuard::CheckIp(std::string_view literal) const {
  std::string_view text = literal;
  bool bracketed = text.size() >= 2 && text.front() == '[' && text.back() == ']';
  if (bracketed) text = text.substr(1, text.size() - 2);
  // A zone ("fe80::1%eth0") selects an interface; the address itself is what gets classified.
  size_t zone = text.find('%');
  if (zone != std::string_view::npos && zone + 1 < text.size()) text = text.substr(0, zone);
  bool v6 = false;
  uint8_t ip[16];
  bool ok = ParseIp(text, v6, ip) && (v6 || (!bracketed && zone == std::string_view::npos));
  if (!ok) {
    return "destination \"" + Printable(literal) + "\" is not an IP address literal" +
           std::string(kRefused);
  }
  return v6 ? CheckV6(ip) : CheckV4(ip);
}

}  // namespace hookd::delivery
