#include "delivery/signer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/crypto.h"

namespace hookd::delivery {
namespace {

// The Standard Webhooks specification's test vector.
constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kMsgId[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kTimestamp = 1614265330;
constexpr char kBody[] = R"({"test": 2432232314})";
constexpr char kExpected[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

// A second key, with its signature of the vector's content computed independently (Python hmac).
constexpr char kOtherSecret[] = "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3";
constexpr char kOtherExpected[] = "v1,NWx60JWGOCSv6DdM9XueD7iwYrlSkCbiFoQg07eEYb4=";

TEST(Signer, MatchesTheSpecTestVector) {
  Signer signer;
  EXPECT_EQ(signer.Sign(kMsgId, kTimestamp, kBody, {kSecret}), kExpected);
}

TEST(Signer, SignsWithEverySecretInOrder) {
  Signer signer;
  std::string new_sig = signer.Sign(kMsgId, kTimestamp, kBody, {kOtherSecret});
  ASSERT_EQ(new_sig, kOtherExpected);
  EXPECT_EQ(signer.Sign(kMsgId, kTimestamp, kBody, {kOtherSecret, kSecret}),
            new_sig + " " + kExpected);
  EXPECT_EQ(signer.Sign(kMsgId, kTimestamp, kBody, {kSecret, kOtherSecret}),
            std::string(kExpected) + " " + new_sig);
}

TEST(Signer, SkipsUnusableSecrets) {
  Signer signer;
  EXPECT_EQ(signer.Sign(kMsgId, kTimestamp, kBody,
                        {"whsec_not base64!", kSecret, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_",
                         "whsec_abc", ""}),
            kExpected);
  EXPECT_EQ(signer.Sign(kMsgId, kTimestamp, kBody, {"whsec_%%%%"}), "");
  EXPECT_EQ(signer.Sign(kMsgId, kTimestamp, kBody, {}), "");
}

TEST(Signer, DependsOnEveryPartOfTheContent) {
  Signer signer;
  EXPECT_EQ(signer.Sign("msg_1", -5, "", {kOtherSecret}),
            "v1,F5vZRV8Vbwb4cs0Uw5cXWV1+dQ/tMeKGsEiQQvmuJhk=");
  EXPECT_NE(signer.Sign("msg_other", kTimestamp, kBody, {kSecret}), kExpected);
  EXPECT_NE(signer.Sign(kMsgId, kTimestamp + 1, kBody, {kSecret}), kExpected);
  EXPECT_NE(signer.Sign(kMsgId, kTimestamp, R"({"test": 2432232315})", {kSecret}), kExpected);
  EXPECT_EQ(signer.Sign(kMsgId, kTimestamp, kBody, {kSecret}), kExpected);
}

TEST(Signer, ReuseGivesIdenticalResults) {
  Signer signer;
  std::string other = kOtherExpected;
  // More distinct secrets than the key cache holds, so entries are evicted and re-keyed.
  std::vector<std::string> extra;
  for (int i = 0; i < 6; ++i) {
    extra.push_back("whsec_" + core::Base64Encode("secret-number-" + std::to_string(i)));
  }
  std::vector<std::string> extra_sigs;
  for (const auto& s : extra) {
    Signer one_off;
    extra_sigs.push_back(one_off.Sign(kMsgId, kTimestamp, kBody, {s}));
    ASSERT_TRUE(extra_sigs.back().starts_with("v1,")) << s;
  }
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(signer.Sign(kMsgId, kTimestamp, kBody, {kSecret}), kExpected) << i;
    ASSERT_EQ(signer.Sign(kMsgId, kTimestamp, kBody, {kSecret, kOtherSecret}),
              std::string(kExpected) + " " + other)
        << i;
    size_t k = static_cast<size_t>(i) % extra.size();
    ASSERT_EQ(signer.Sign(kMsgId, kTimestamp, kBody, {extra[k]}), extra_sigs[k]) << i;
  }
}

}  // namespace
}  // namespace hookd::delivery
