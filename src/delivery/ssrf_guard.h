// Classifies destination IP addresses for the SSRF guard: private, loopback, link-local,
// metadata, documentation, multicast and other non-public ranges are refused unless allowlisted.
// Meant for the dispatcher's socket-open hook, so the address checked is the one connected to.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace hookd::delivery {

class SsrfGuard {
 public:
  // `allowed_cidrs`: ranges let through although they fall in a refused range (e.g.
  // "127.0.0.0/8", "::1/128"; a bare address means a single host). Fails (kBadRequest, naming the
  // entry) on a malformed CIDR or one with host bits set ("10.0.0.5/8").
  static core::Result<SsrfGuard> Create(const std::vector<std::string>& allowed_cidrs);

  // Empty when the address may be connected to; otherwise a human-readable reason such as
  // "destination 10.1.2.3 is a private address (refused by the SSRF guard)". Only AF_INET and
  // AF_INET6 are accepted; other families (and null) are refused. Allocates only to refuse.
  std::string Check(const struct sockaddr* addr) const;

  // Same for a textual literal: "10.0.0.1", "::ffff:127.0.0.1", "[::1]", "fe80::1%eth0".
  // Anything that is not a strict IP literal (host names, "127.1", "0x7f.0.0.1") is refused.
  std::string CheckIp(std::string_view literal) const;

 private:
  // One allowlisted range; IPv4 ranges use the first 4 bytes of `net`.
  struct Cidr {
    bool v6 = false;
    std::array<uint8_t, 16> net{};
    int prefix = 0;
  };

  SsrfGuard() = default;

  std::string CheckV4(const uint8_t ip[4]) const;
  std::string CheckV6(const uint8_t ip[16]) const;
  bool Allowed(bool v6, const uint8_t* ip) const;

  std::vector<Cidr> allowed_;
};

}  // namespace hookd::delivery
