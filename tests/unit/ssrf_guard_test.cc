#include "delivery/ssrf_guard.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>
#include <vector>

namespace hookd::delivery {
namespace {

// Classification only: nothing here opens a socket or connects anywhere.

SsrfGuard Guard(const std::vector<std::string>& allowed = {}) {
  auto guard = SsrfGuard::Create(allowed);
  EXPECT_TRUE(guard.has_value()) << guard.error().detail;
  return std::move(*guard);
}

void ExpectRefused(const SsrfGuard& guard, const std::vector<std::string>& addrs) {
  for (const auto& a : addrs) {
    std::string reason = guard.CheckIp(a);
    EXPECT_NE(reason, "") << a << " should be refused";
    EXPECT_NE(reason.find("refused by the SSRF guard"), std::string::npos) << reason;
  }
}

void ExpectAllowed(const SsrfGuard& guard, const std::vector<std::string>& addrs) {
  for (const auto& a : addrs) EXPECT_EQ(guard.CheckIp(a), "") << a << " should pass";
}

TEST(SsrfGuard, RefusesEachIpv4RangeAndPassesItsNeighbours) {
  SsrfGuard g = Guard();
  // 0.0.0.0/8
  ExpectRefused(g, {"0.0.0.0", "0.255.255.255"});
  ExpectAllowed(g, {"1.0.0.0"});
  // 10.0.0.0/8
  ExpectRefused(g, {"10.0.0.0", "10.1.2.3", "10.255.255.255"});
  ExpectAllowed(g, {"9.255.255.255", "11.0.0.0"});
  // 100.64.0.0/10
  ExpectRefused(g, {"100.64.0.0", "100.127.255.255"});
  ExpectAllowed(g, {"100.63.255.255", "100.128.0.0"});
  // 127.0.0.0/8
  ExpectRefused(g, {"127.0.0.1", "127.255.255.254"});
  ExpectAllowed(g, {"126.255.255.255", "128.0.0.0"});
  // 169.254.0.0/16
  ExpectRefused(g, {"169.254.0.1", "169.254.255.255"});
  ExpectAllowed(g, {"169.253.255.255", "169.255.0.0"});
  // 172.16.0.0/12
  ExpectRefused(g, {"172.16.0.0", "172.20.1.1", "172.31.255.255"});
  ExpectAllowed(g, {"172.15.255.255", "172.32.0.0"});
  // 192.0.0.0/24 and 192.0.2.0/24
  ExpectRefused(g, {"192.0.0.1", "192.0.0.255", "192.0.2.1"});
  ExpectAllowed(g, {"192.0.1.1", "192.0.3.0", "191.255.255.255"});
  // 192.168.0.0/16
  ExpectRefused(g, {"192.168.0.1", "192.168.255.255"});
  ExpectAllowed(g, {"192.167.255.255", "192.169.0.0"});
  // 198.18.0.0/15
  ExpectRefused(g, {"198.18.0.0", "198.19.255.255"});
  ExpectAllowed(g, {"198.17.255.255", "198.20.0.0"});
  // 198.51.100.0/24
  ExpectRefused(g, {"198.51.100.7"});
  ExpectAllowed(g, {"198.51.99.255", "198.51.101.0"});
  // 203.0.113.0/24
  ExpectRefused(g, {"203.0.113.9"});
  ExpectAllowed(g, {"203.0.112.255", "203.0.114.0"});
  // 224.0.0.0/4, 240.0.0.0/4 and the broadcast address
  ExpectRefused(
      g, {"224.0.0.1", "239.255.255.255", "240.0.0.1", "255.255.255.254", "255.255.255.255"});
  ExpectAllowed(g, {"223.255.255.255"});
  // Public addresses.
  ExpectAllowed(g, {"8.8.8.8", "1.1.1.1", "93.184.216.34"});
}

TEST(SsrfGuard, ReasonsNameTheAddressAndTheRange) {
  SsrfGuard g = Guard();
  EXPECT_EQ(g.CheckIp("10.1.2.3"),
            "destination 10.1.2.3 is a private address (refused by the SSRF guard)");
  EXPECT_NE(g.CheckIp("127.0.0.1").find("loopback"), std::string::npos);
  EXPECT_NE(g.CheckIp("100.64.1.1").find("CGNAT"), std::string::npos);
  EXPECT_NE(g.CheckIp("0.1.2.3").find("this network"), std::string::npos);
  EXPECT_NE(g.CheckIp("255.255.255.255").find("broadcast"), std::string::npos);
  EXPECT_NE(g.CheckIp("::1").find("loopback"), std::string::npos);
  EXPECT_NE(g.CheckIp("fe80::1").find("link-local"), std::string::npos);
}

TEST(SsrfGuard, CloudMetadataIsNamed) {
  SsrfGuard g = Guard();
  std::string reason = g.CheckIp("169.254.169.254");
  EXPECT_NE(reason.find("metadata"), std::string::npos) << reason;
  EXPECT_NE(reason.find("169.254.169.254"), std::string::npos) << reason;
  EXPECT_NE(g.CheckIp("::ffff:169.254.169.254").find("metadata"), std::string::npos);
  EXPECT_NE(g.CheckIp("fd00:ec2::254").find("metadata"), std::string::npos);
}

TEST(SsrfGuard, RefusesEachIpv6RangeAndPassesItsNeighbours) {
  SsrfGuard g = Guard();
  ExpectRefused(g, {"::", "::1"});
  ExpectAllowed(g, {"::2:0:0:1"});  // neither unspecified, loopback nor mapped
  // fc00::/7
  ExpectRefused(g, {"fc00::1", "fd12:3456::1", "fdff:ffff::1"});
  ExpectAllowed(g, {"fbff:ffff::1", "fe00::1"});
  // fe80::/10 and fec0::/10
  ExpectRefused(g, {"fe80::1", "febf:ffff::1", "fec0::1", "feff::1"});
  ExpectAllowed(g, {"fe7f:ffff::1"});
  // ff00::/8
  ExpectRefused(g, {"ff02::1", "ff05::2"});
  // 2001:db8::/32
  ExpectRefused(g, {"2001:db8::1", "2001:db8:ffff::1"});
  ExpectAllowed(g, {"2001:db9::1", "2001:db7:ffff::1"});
  // 100::/64
  ExpectRefused(g, {"100::1", "100::ffff:ffff:ffff:ffff"});
  ExpectAllowed(g, {"100:0:0:1::1"});
  // Public addresses.
  ExpectAllowed(g, {"2606:4700::1111", "2001:4860:4860::8888", "[2606:4700::1111]"});
}

TEST(SsrfGuard, ClassifiesEmbeddedIpv4) {
  SsrfGuard g = Guard();
  // IPv4-mapped ::ffff:0:0/96.
  ExpectRefused(g, {"::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "::ffff:192.168.1.1",
                    "::ffff:0.0.0.0"});
  ExpectAllowed(g, {"::ffff:8.8.8.8"});
  // NAT64 64:ff9b::/96.
  ExpectRefused(g, {"64:ff9b::127.0.0.1", "64:ff9b::a00:1", "64:ff9b::172.16.0.1"});
  ExpectAllowed(g, {"64:ff9b::8.8.8.8", "64:ff9b:0:0:1::7f00:1"});  // second: outside the /96
  // 6to4 2002::/16 carries the IPv4 address in bits 16..47.
  ExpectRefused(g, {"2002:7f00:1::", "2002:a00:1::1", "2002:c0a8:101::1", "2002:a9fe:a9fe::"});
  ExpectAllowed(g, {"2002:808:808::1"});

  std::string reason = g.CheckIp("2002:7f00:1::");
  EXPECT_NE(reason.find("127.0.0.1"), std::string::npos) << reason;
  EXPECT_NE(reason.find("loopback"), std::string::npos) << reason;
  EXPECT_NE(g.CheckIp("64:ff9b::10.0.0.1").find("private"), std::string::npos);
}

TEST(SsrfGuard, AllowlistLetsRangesThrough) {
  SsrfGuard g = Guard({"127.0.0.0/8", "::1/128"});
  ExpectAllowed(g, {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "64:ff9b::127.0.0.1",
                    "2002:7f00:1::"});
  ExpectRefused(g, {"10.0.0.1", "::ffff:10.0.0.1", "169.254.169.254", "::", "fc00::1"});

  SsrfGuard narrow = Guard({"10.1.0.0/16", "fd00:1::/32", "192.168.1.20"});
  ExpectAllowed(narrow, {"10.1.255.255", "fd00:1:ffff::1", "192.168.1.20"});
  ExpectRefused(narrow, {"10.2.0.0", "fd00:2::1", "192.168.1.21", "127.0.0.1"});

  // A mapped CIDR also covers the plain IPv4 range.
  SsrfGuard mapped = Guard({"::ffff:127.0.0.0/104"});
  ExpectAllowed(mapped, {"::ffff:127.0.0.1", "127.0.0.1"});
  ExpectRefused(mapped, {"::1", "10.0.0.1"});
}

TEST(SsrfGuard, CreateRejectsBadCidrs) {
  for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1",
                          "10.0.0.0/8/8", "10.0.0.0/x", "example.com/8", "10.0.0/8", "010.0.0.0/8",
                          "10.0.0.5/8", "fd00::1/8", "[::1]/128", "10.0.0.0/ 8"}) {
    auto guard = SsrfGuard::Create({"127.0.0.0/8", bad});
    ASSERT_FALSE(guard.has_value()) << "accepted \"" << bad << "\"";
    EXPECT_EQ(guard.error().code, core::ErrorCode::kBadRequest);
    EXPECT_NE(guard.error().detail.find("CIDR"), std::string::npos) << guard.error().detail;
  }
  auto host_bits = SsrfGuard::Create({"10.0.0.5/8"});
  ASSERT_FALSE(host_bits);
  EXPECT_NE(host_bits.error().detail.find("10.0.0.0/8"), std::string::npos)
      << host_bits.error().detail;
  EXPECT_TRUE(SsrfGuard::Create({}));
  EXPECT_TRUE(SsrfGuard::Create({"0.0.0.0/0", "::/0", " 10.0.0.0/8 ", "172.16.0.0/12"}));
}

TEST(SsrfGuard, ChecksSockaddrStructs) {
  SsrfGuard g = Guard();
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(443);
  ASSERT_EQ(inet_pton(AF_INET, "10.1.2.3", &v4.sin_addr), 1);
  EXPECT_EQ(g.Check(reinterpret_cast<const sockaddr*>(&v4)),
            "destination 10.1.2.3 is a private address (refused by the SSRF guard)");
  ASSERT_EQ(inet_pton(AF_INET, "8.8.8.8", &v4.sin_addr), 1);
  EXPECT_EQ(g.Check(reinterpret_cast<const sockaddr*>(&v4)), "");

  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(443);
  for (const char* refused : {"::1", "::ffff:127.0.0.1", "fe80::1", "2002:a00:1::"}) {
    ASSERT_EQ(inet_pton(AF_INET6, refused, &v6.sin6_addr), 1);
    EXPECT_NE(g.Check(reinterpret_cast<const sockaddr*>(&v6)), "") << refused;
  }
  ASSERT_EQ(inet_pton(AF_INET6, "2606:4700::1111", &v6.sin6_addr), 1);
  EXPECT_EQ(g.Check(reinterpret_cast<const sockaddr*>(&v6)), "");

  SsrfGuard loopback_ok = Guard({"127.0.0.0/8"});
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:127.0.0.1", &v6.sin6_addr), 1);
  EXPECT_EQ(loopback_ok.Check(reinterpret_cast<const sockaddr*>(&v6)), "");

  sockaddr unix_like{};
  unix_like.sa_family = AF_UNIX;
  EXPECT_NE(g.Check(&unix_like), "");
  EXPECT_NE(g.Check(nullptr), "");
}

TEST(SsrfGuard, RefusesNonLiterals) {
  SsrfGuard g = Guard({"0.0.0.0/0", "::/0"});  // even when everything is allowed
  for (const char* s :
       {"", "localhost", "example.com", "127.1", "2130706433", "0x7f.0.0.1", "0177.0.0.1",
        "127.0.0.1 ", " 127.0.0.1", "[127.0.0.1]", "[::1", "::1]", "127.0.0.1%eth0", "fe80::1%",
        "1.2.3.4.5", "::ffff:127.0.0.1:80", "http://127.0.0.1/"}) {
    std::string reason = g.CheckIp(s);
    EXPECT_NE(reason.find("not an IP address literal"), std::string::npos)
        << "\"" << s << "\": " << reason;
  }
  EXPECT_NE(g.CheckIp(std::string_view("127.0.0.1\0x", 11)), "");
  // Brackets and zones are accepted on IPv6 literals.
  EXPECT_EQ(g.CheckIp("[::1]"), "");
  EXPECT_EQ(Guard().CheckIp("[2606:4700::1111]"), "");
  EXPECT_NE(Guard().CheckIp("[::1]").find("loopback"), std::string::npos);
  EXPECT_NE(Guard().CheckIp("fe80::1%eth0").find("link-local"), std::string::npos);
}

}  // namespace
}  // namespace hookd::delivery
