#include "core/validation.h"

#include <gtest/gtest.h>

#include <ctime>
#include <vector>

#include "core/crypto.h"
#include "core/time_format.h"

namespace hookd::core {
namespace {

TEST(Validation, Uid) {
  EXPECT_EQ(CheckUid("my-app_1.x"), "");
  EXPECT_NE(CheckUid(""), "");
  EXPECT_NE(CheckUid("has space"), "");
  EXPECT_NE(CheckUid("slash/"), "");
  EXPECT_NE(CheckUid(std::string(257, 'a')), "");
  EXPECT_EQ(CheckUid(std::string(256, 'a')), "");
}

TEST(Validation, EventTypeAndChannel) {
  EXPECT_EQ(CheckEventTypeName("message.delivered"), "");
  EXPECT_NE(CheckEventTypeName("message/delivered"), "");
  EXPECT_EQ(CheckChannel("project:123"), "");
  EXPECT_NE(CheckChannel("a b"), "");
  EXPECT_NE(CheckChannel(std::string(129, 'c')), "");
}

TEST(Validation, Url) {
  EXPECT_EQ(CheckUrl("https://example.com/hook?x=1"), "");
  EXPECT_EQ(CheckUrl("http://127.0.0.1:8080/"), "");
  EXPECT_EQ(CheckUrl("http://[::1]:80/x"), "");
  EXPECT_NE(CheckUrl("ftp://example.com/"), "");
  EXPECT_NE(CheckUrl("example.com/hook"), "");
  EXPECT_NE(CheckUrl("http://"), "");
  EXPECT_NE(CheckUrl("not a url"), "");
  EXPECT_NE(CheckUrl("javascript:alert(1)"), "");
}

TEST(Validation, Secret) {
  EXPECT_EQ(CheckSecret(NewEndpointSecret()), "");
  EXPECT_EQ(CheckSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "");
  EXPECT_NE(CheckSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "");
  EXPECT_NE(CheckSecret("whsec_!!!!"), "");
  EXPECT_NE(CheckSecret("whsec_c2hvcnQ="), "");  // 5 bytes: too short
}

TEST(Crypto, Base64RoundTrip) {
  for (std::string s : {"", "a", "ab", "abc", "abcd", "\x00\xff\x10"}) {
    auto enc = Base64Encode(s);
    if (s.empty()) continue;
    auto dec = Base64Decode(enc);
    ASSERT_TRUE(dec.has_value()) << enc;
    EXPECT_EQ(*dec, s);
  }
  EXPECT_EQ(Base64Encode("hookd"), "aG9va2Q=");
  EXPECT_FALSE(Base64Decode("abc").has_value());
  EXPECT_FALSE(Base64Decode("ab$=").has_value());
}

TEST(Crypto, Sha256AndCompare) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(ConstantTimeEquals("same", "same"));
  EXPECT_FALSE(ConstantTimeEquals("same", "sama"));
  EXPECT_FALSE(ConstantTimeEquals("same", "same!"));
}

TEST(TimeFormat, FormatAndParse) {
  auto t = ParseTime("2024-05-01T12:34:56.789Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(FormatTime(*t), "2024-05-01T12:34:56.789Z");
  EXPECT_EQ(FormatTime(*ParseTime("2024-05-01T14:34:56+02:00")), "2024-05-01T12:34:56.000Z");
  EXPECT_EQ(ToMicros(*ParseTime("1970-01-01T00:00:01.000001Z")), 1000001);
  EXPECT_FALSE(ParseTime("2024-05-01").has_value());
  EXPECT_FALSE(ParseTime("2024-05-01T12:34:56").has_value());  // no zone
  EXPECT_FALSE(ParseTime("2024-13-01T12:34:56Z").has_value());
  EXPECT_FALSE(ParseTime("2024-05-01T12:34:56Zjunk").has_value());
}

// FormatTime computes the calendar itself: it must agree with the C library's, before 1970, on
// leap days and at the ends of days and years.
TEST(TimeFormat, AgreesWithGmtime) {
  auto reference = [](int64_t us) {
    int64_t secs = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
    std::time_t tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>((us - secs * 1000000) / 1000));
    return std::string(buf);
  };
  std::vector<int64_t> at = {0,
                             -1,
                             1,
                             951782399999999,
                             951782400000000,
                             951868799999999,
                             -2208988800000000,
                             4102444799999999,
                             4107542400000000};
  uint64_t x = 88172645463325252ull;  // xorshift: spread over what a TimePoint holds (1678-2262)
  for (int i = 0; i < 100000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    at.push_back(static_cast<int64_t>(x % 18000000000000000ull) - 9000000000000000);
  }
  for (int64_t us : at)
    ASSERT_EQ(FormatTime(TimePoint(std::chrono::microseconds(us))), reference(us)) << us;
}

}  // namespace
}  // namespace hookd::core

#include "core/text.h"

namespace hookd::core {
namespace {

TEST(Text, SanitizeUtf8KeepsValidTextAndReplacesTheRest) {
  EXPECT_EQ(SanitizeUtf8("plain ascii"), "plain ascii");
  EXPECT_EQ(SanitizeUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(SanitizeUtf8("cut \xC3"), "cut \xEF\xBF\xBD");                // truncated at the end
  EXPECT_EQ(SanitizeUtf8("ok\xFF\xFE!"), "ok\xEF\xBF\xBD\xEF\xBF\xBD!");  // invalid bytes
  EXPECT_EQ(SanitizeUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");        // overlong '/'
  EXPECT_EQ(SanitizeUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(SanitizeUtf8(std::string("a\0b", 3)), std::string("a\0b", 3));
}

TEST(Text, Utf8TextIsValidUtf8WithoutNul) {
  EXPECT_TRUE(IsUtf8Text("caf\xC3\xA9 a=1&b=2"));
  EXPECT_TRUE(IsUtf8Text(""));
  EXPECT_FALSE(IsUtf8Text("cut \xC3"));
  EXPECT_FALSE(IsUtf8Text("\xC0\xAF"));
  EXPECT_FALSE(IsUtf8Text(std::string("a\0b", 3)));
}

TEST(Text, CredentialHeadersAreKnownByName) {
  for (auto name :
       {"Authorization", "proxy-authorization", "Cookie", "X-Auth", "X-Auth-Token", "X-Password",
        "Private-Key", "X-Api-Key", "apikey", "x-client-secret", "X-Session-Id"}) {
    EXPECT_TRUE(IsCredentialHeader(name)) << name;
  }
  for (auto name : {"Content-Type", "X-Team", "User-Agent", "X-Request-Id", "webhook-signature"}) {
    EXPECT_FALSE(IsCredentialHeader(name)) << name;
  }
}

}  // namespace
}  // namespace hookd::core
