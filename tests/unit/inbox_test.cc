// Sender verification and routing of requests received at inbox sources. Expected signatures
// are the providers' published examples (GitHub, Standard Webhooks) or were computed apart from
// hookd (Python's hmac module).
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "inbox/route.h"
#include "inbox/verify.h"

namespace hookd::inbox {
namespace {

using namespace std::chrono_literals;

core::TimePoint At(int64_t seconds) { return core::TimePoint(std::chrono::seconds(seconds)); }

core::Source MakeSource(std::string type, std::string secret) {
  core::Source s;
  s.id = "src_1";
  s.type = std::move(type);
  s.settings.secret = std::move(secret);
  return s;
}

std::string Check(const core::Source& s, const Headers& h, std::string_view body,
                  core::TimePoint now, std::string_view method = "POST") {
  return Verify(s, {method, h, body}, now);
}

constexpr int64_t kTs = 1764115200;
constexpr std::string_view kStripeBody = R"({"id":"evt_1","type":"charge.succeeded"})";

TEST(InboxVerify, StandardWebhooksAndSvixHeaders) {
  auto s = MakeSource("svix", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  std::string body = R"({"test": 2432232314})";
  Headers good{
      {"webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"},
      {"webhook-timestamp", "1614265330"},
      {"webhook-signature", "v1,bm90IGl0 v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}};
  EXPECT_EQ(Check(s, good, body, At(1614265330 + 10)), "");
  Headers svix{{"svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"},
               {"svix-timestamp", "1614265330"},
               {"svix-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}};
  EXPECT_EQ(Check(s, svix, body, At(1614265330)), "");
  EXPECT_EQ(Check(s, good, body + " ", At(1614265330)), "signature mismatch");
  EXPECT_EQ(Check(s, good, body, At(1614265330 + 301)), "timestamp too old");
  EXPECT_EQ(Check(s, good, body, At(1614265330 - 301)), "timestamp too new");
  EXPECT_EQ(Check(s, {}, body, At(1614265330)), "missing signature headers");
}

TEST(InboxVerify, Github) {
  auto s = MakeSource("github", "It's a Secret to Everybody");
  Headers good{{"x-hub-signature-256",
                "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}};
  EXPECT_EQ(Check(s, good, "Hello, World!", At(kTs)), "");
  EXPECT_EQ(Check(s, good, "Hello, World?", At(kTs)), "signature mismatch");
  EXPECT_EQ(Check(s, {{"x-hub-signature", "sha1=00"}}, "Hello, World!", At(kTs)),
            "missing signature header");
}

TEST(InboxVerify, StripeWithTimestampTolerance) {
  auto s = MakeSource("stripe", "shh-its-a-secret");
  Headers good{{"stripe-signature",
                "t=1764115200,v1=430b3d5492205098fc4402d3074c3b1864fcd4696e49f5ca1b8d5bc7e0c0c631,"
                "v0=ignored"}};
  EXPECT_EQ(Check(s, good, kStripeBody, At(kTs + 299)), "");
  EXPECT_EQ(Check(s, good, kStripeBody, At(kTs + 301)), "timestamp too old");
  Headers bad{{"stripe-signature", "t=1764115200,v1=430b3d54"}};
  EXPECT_EQ(Check(s, bad, kStripeBody, At(kTs)), "signature mismatch");
  s.settings.tolerance_seconds = 600;
  EXPECT_EQ(Check(s, good, kStripeBody, At(kTs + 599)), "");
}

TEST(InboxVerify, ShopifyAndSlack) {
  auto shop = MakeSource("shopify", "shh-its-a-secret");
  Headers good{{"x-shopify-hmac-sha256", "QtpYBaAVH9nv0VZsUjA2DhB0sAC5FsymfOjSGktoYBg="}};
  EXPECT_EQ(Check(shop, good, kStripeBody, At(kTs)), "");
  EXPECT_EQ(Check(shop, good, "{}", At(kTs)), "signature mismatch");

  auto slack = MakeSource("slack", "shh-its-a-secret");
  std::string body = "token=abc&team_id=T1&text=hello";
  Headers sl{
      {"x-slack-request-timestamp", "1764115200"},
      {"x-slack-signature", "v0=aa2366444fb1bcf0f03513cee88973a7390f3efd80594791186865cde3f5f135"}};
  EXPECT_EQ(Check(slack, sl, body, At(kTs + 60)), "");
  EXPECT_EQ(Check(slack, sl, body, At(kTs + 600)), "timestamp too old");
  EXPECT_EQ(Check(slack, sl, body + "&x=1", At(kTs)), "signature mismatch");
}

TEST(InboxVerify, GenericHmacIsConfigurable) {
  auto s = MakeSource("generic-webhook", "shh-its-a-secret");
  EXPECT_EQ(Check(s, {}, "anything", At(kTs)), "");  // no check configured
  s.settings.signature_header = "X-Signature";
  s.settings.algorithm = "sha1";
  s.settings.signature_prefix = "sha1=";
  Headers hex{{"x-signature", "sha1=FE737921AEDB7FA9BE37990EABC4C203BCEA41D4"}};
  EXPECT_EQ(Check(s, hex, kStripeBody, At(kTs)), "");  // hex compares in any case
  EXPECT_EQ(
      Check(s, {{"x-signature", "fe737921aedb7fa9be37990eabc4c203bcea41d4"}}, kStripeBody, At(kTs)),
      "signature without its prefix");

  s.settings.algorithm = "sha512";
  s.settings.encoding = "base64";
  s.settings.signature_prefix = "";
  s.settings.signed_content = "{timestamp}.{body}";
  s.settings.timestamp_header = "X-Timestamp";
  Headers b64{{"x-signature",
               "W+wUs13BurDjAKm1DfvyVxFUs/uke394wBTuJEq+4b0JF4UI2JMinlnNv+6GerfeP7zEclm1c/"
               "nqHFoxQtGF9w=="},
              {"x-timestamp", "1764115200"}};
  EXPECT_EQ(Check(s, b64, kStripeBody, At(kTs)), "");
  EXPECT_EQ(Check(s, b64, kStripeBody, At(kTs + 3600)), "timestamp too old");
}

TEST(InboxVerify, MethodsBasicAuthAndApiKey) {
  auto s = MakeSource("generic-webhook", "");
  EXPECT_EQ(Check(s, {}, "", At(kTs), "GET"), "method GET is not accepted");
  s.settings.methods = {"GET", "POST"};
  EXPECT_EQ(Check(s, {}, "", At(kTs), "GET"), "");
  s.settings.basic_auth = core::BasicAuth{"gw", "pw"};
  EXPECT_EQ(Check(s, {}, "", At(kTs)), "missing basic auth");
  EXPECT_EQ(Check(s, {{"authorization", "Basic Z3c6cHc="}}, "", At(kTs)), "");  // gw:pw
  EXPECT_EQ(Check(s, {{"authorization", "Basic Z3c6cHg="}}, "", At(kTs)), "wrong basic auth");
  s.settings.basic_auth.reset();
  s.settings.api_key_header = "X-Api-Key";
  s.settings.api_key = "k-123";
  EXPECT_EQ(Check(s, {{"x-api-key", "k-123"}}, "", At(kTs)), "");
  EXPECT_EQ(Check(s, {{"x-api-key", "k-124"}}, "", At(kTs)), "missing or wrong API key");
}

TEST(InboxVerify, SecretsAreRedactedFromTheRecord) {
  auto s = MakeSource("generic-webhook", "x");
  s.settings.api_key_header = "X-Api-Key";
  auto json = RedactedHeadersJson(s, {{"authorization", "Basic Z3c6cHc="},
                                      {"x-api-key", "k"},
                                      {"stripe-signature", "t=1,v1=ab"},
                                      {"content-type", "text/plain"}});
  EXPECT_EQ(json, R"({"authorization":"[redacted]","x-api-key":"[redacted]",)"
                  R"("stripe-signature":"[redacted]","content-type":"text/plain"})");
}

// The SMS gateway's three callback kinds at one URL, told apart by their fields.
TEST(InboxRoute, FieldRulesPickTheEventType) {
  core::SourceSettings s;
  s.routes = {{"DELIVERY_DATE", std::nullopt, "sms.receipt"},
              {"answer_date", std::nullopt, "sms.reply"},
              {"stop_date", std::nullopt, "sms.optout"},
              {"data.status", "failed", "charge.failed"},
              {"items.1.kind", std::nullopt, "order.multi"}};
  EXPECT_EQ(EventTypeOf(s, "DELIVERY_DATE=2026-11-26+10%3A00&STATUS=DELIVERED", ""), "sms.receipt");
  EXPECT_EQ(EventTypeOf(s, "answer_date=2026-11-26&message=Yes", ""), "sms.reply");
  EXPECT_EQ(EventTypeOf(s, "", "stop_date=2026-11-26&number=33600000000"), "sms.optout");
  EXPECT_EQ(EventTypeOf(s, R"({"data": {"status": "failed"}})", ""), "charge.failed");
  EXPECT_EQ(EventTypeOf(s, R"({"data": {"status": "ok"}})", ""), "inbox.received");
  EXPECT_EQ(EventTypeOf(s, R"({"items": [{"kind": 1}, {"kind": 2}]})", ""), "order.multi");
  EXPECT_EQ(EventTypeOf(s, "not a form, not json", ""), "inbox.received");
}

}  // namespace
}  // namespace hookd::inbox
