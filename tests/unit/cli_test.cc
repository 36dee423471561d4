// The client commands' pure parts: signature checks of `listen`, JSON display, API error
// messages and command-line times.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "cli/api_client.h"
#include "cli/listen.h"
#include "cli/pretty.h"
#include "cli/when.h"
#include "core/json_text.h"

namespace hookd::cli {
namespace {

using std::chrono::seconds;

// The Standard Webhooks specification's test vector.
constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kBody[] = R"({"test": 2432232314})";
const core::TimePoint kSigned{seconds(1614265330)};

inbox::Headers Signed(std::string prefix, std::string signature) {
  return {{prefix + "-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"},
          {prefix + "-timestamp", "1614265330"},
          {prefix + "-signature", std::move(signature)}};
}

TEST(ListenSignature, VerifiesTheSpecTestVector) {
  auto headers = Signed("webhook", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  EXPECT_EQ(VerifySignature(kSecret, headers, kBody, kSigned), "");
  EXPECT_EQ(VerifySignature(kSecret, headers, kBody, kSigned + seconds(299)), "");
}

TEST(ListenSignature, ReadsTheSvixAliasesAndAnyOfSeveralSignatures) {
  auto headers = Signed("svix", "v1,bm90IGl0 v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  EXPECT_EQ(VerifySignature(kSecret, headers, kBody, kSigned), "");
}

TEST(ListenSignature, SaysWhyARequestFails) {
  auto headers = Signed("webhook", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  EXPECT_EQ(VerifySignature(kSecret, headers, R"({"test": 1})", kSigned), "signature mismatch");
  EXPECT_EQ(VerifySignature(kSecret, headers, kBody, kSigned + seconds(301)), "timestamp too old");
  EXPECT_EQ(VerifySignature(kSecret, headers, kBody, kSigned - seconds(301)), "timestamp too new");
  EXPECT_EQ(VerifySignature("whsec_QUJD", headers, kBody, kSigned), "signature mismatch");
  EXPECT_EQ(VerifySignature(kSecret, {}, kBody, kSigned), "missing signature headers");
}

TEST(ListenSignature, ChecksTheSecretsForm) {
  EXPECT_EQ(CheckSecret(kSecret), "");
  EXPECT_NE(CheckSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "");
  EXPECT_NE(CheckSecret("whsec_"), "");
  EXPECT_NE(CheckSecret("whsec_not base64!"), "");
}

TEST(Pretty, IndentsJsonAndKeepsNumbersAsWritten) {
  auto v = core::ParseJson(R"({"a":[1,2.5,null],"b":{},"c":[],"d":"x\"y","e":true})");
  EXPECT_EQ(PrettyJson(v, false),
            "{\n  \"a\": [\n    1,\n    2.5,\n    null\n  ],\n  \"b\": {},\n  \"c\": [],\n"
            "  \"d\": \"x\\\"y\",\n  \"e\": true\n}");
}

TEST(Pretty, ColoursKeysAndValuesOnlyWhenAsked) {
  auto v = core::ParseJson(R"({"k":"s","n":1,"t":false})");
  EXPECT_EQ(PrettyJson(v, true),
            "{\n  \x1b[36m\"k\"\x1b[0m: \x1b[32m\"s\"\x1b[0m,\n  \x1b[36m\"n\"\x1b[0m: "
            "\x1b[33m1\x1b[0m,\n  \x1b[36m\"t\"\x1b[0m: \x1b[35mfalse\x1b[0m\n}");
  EXPECT_EQ(Paint("x", Colour::kRed, false), "x");
  EXPECT_EQ(Paint("x", Colour::kRed, true), "\x1b[31mx\x1b[0m");
}

TEST(Pretty, ShowsOtherBodiesAsTextWithControlBytesEscaped) {
  EXPECT_EQ(PrettyBody("a=1&b=2", false), "a=1&b=2");
  EXPECT_EQ(PrettyBody(std::string("bell\x07 esc\x1b[2J\nok", 17), false),
            "bell\\x07 esc\\x1b[2J\nok\\x00");
  EXPECT_EQ(PrettyBody("[1]", false), "[\n  1\n]");
}

TEST(Pretty, NoColourWhenNoColorIsSet) {
  ::setenv("NO_COLOR", "1", 1);
  EXPECT_FALSE(UseColour(stdout));
  ::unsetenv("NO_COLOR");
}

TEST(ApiErrors, NameStatusCodeAndDetail) {
  EXPECT_EQ(DescribeApiError(404, R"({"code":"not_found","detail":"application not found"})"),
            "HTTP 404 not_found: application not found");
  EXPECT_EQ(DescribeApiError(422, R"({"code":"validation_error","detail":[
              {"loc":["body","payload"],"msg":"must be a JSON object","type":"value_error"},
              {"loc":["body","channels",0],"msg":"too long","type":"value_error"}]})"),
            "HTTP 422 validation_error: body.payload: must be a JSON object; body.channels.0: "
            "too long");
  EXPECT_EQ(DescribeApiError(502, "Bad Gateway"), "HTTP 502: Bad Gateway");
  EXPECT_EQ(DescribeApiError(500, ""), "HTTP 500");
}

TEST(ApiErrors, PathSegmentsAreEncoded) {
  EXPECT_EQ(Segment("app_1-x.y~z"), "app_1-x.y~z");
  EXPECT_EQ(Segment("a/b c?"), "a%2Fb%20c%3F");
}

TEST(ApiAnswers, ReadNestedFieldsAsTextOrInteger) {
  auto v = core::ParseJson(R"({"id":"qtask_1","data":{"messagesSent":7},"n":null,"b":true})");
  EXPECT_EQ(Text(v, {"id"}), "qtask_1");
  EXPECT_EQ(Text(v, {"data", "messagesSent"}), "7");
  EXPECT_EQ(Text(v, {"b"}), "true");
  EXPECT_EQ(Text(v, {"n"}), "");
  EXPECT_EQ(Text(v, {"id", "deeper"}), "");
  EXPECT_EQ(Int(v, {"data", "messagesSent"}), 7);
  EXPECT_EQ(Int(v, {"id"}), 0);
  EXPECT_EQ(Int(v, {"missing"}), 0);
  EXPECT_EQ(Find(v, {"data"})->get_object().size(), 1u);
}

TEST(When, ReadsRfc3339AndDurationsBeforeNow) {
  core::TimePoint now{seconds(1'800'000'000)};
  EXPECT_EQ(ParseWhen("90s", now), now - seconds(90));
  EXPECT_EQ(ParseWhen("30m", now), now - std::chrono::minutes(30));
  EXPECT_EQ(ParseWhen("2h", now), now - std::chrono::hours(2));
  EXPECT_EQ(ParseWhen("7d", now), now - std::chrono::days(7));
  EXPECT_EQ(ParseWhen("2026-11-22T20:32:11Z", now), core::TimePoint{seconds(1795379531)});
  for (const char* bad : {"", "d", "5", "5w", "-5m", "1.5h", "yesterday", "2026-13-01T00:00:00Z"})
    EXPECT_EQ(ParseWhen(bad, now), std::nullopt) << bad;
}

}  // namespace
}  // namespace hookd::cli
