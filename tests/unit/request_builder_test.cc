#include "delivery/request_builder.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/json_text.h"
#include "delivery/url_template.h"

namespace hookd::delivery {
namespace {

core::Message Msg(std::string payload) {
  core::Message m;
  m.id = "msg_1";
  m.event_type = "sms.delivered";
  m.event_id = "evt 1";
  m.payload = std::move(payload);
  return m;
}

TEST(UrlTemplate, FillsAndEncodesEveryVariableKind) {
  core::StringMap env{{"campaign", "spring/sale"}, {"region", "eu"}};
  auto msg = Msg(R"({"member":{"phone":"+1 555&x=1"},"n":2.5,"flag":true})");
  auto url = RenderUrl(
      "https://h.example/cb/{{env.campaign}}/{{member.phone}}?id={{msgId}}&t={{eventType}}"
      "&e={{eventId}}&r={{region}}&n={{payload.n}}&f={{flag}}",
      msg, boost::json::parse(msg.payload), env);
  ASSERT_TRUE(url) << url.error().detail;
  EXPECT_EQ(*url,
            "https://h.example/cb/spring%2Fsale/%2B1%20555%26x%3D1?id=msg_1&t=sms.delivered"
            "&e=evt%201&r=eu&n=2.5&f=true");
}

TEST(UrlTemplate, DotValuesCannotRewriteThePath) {
  auto msg = Msg(R"({"a":"..","b":".","c":"x.y"})");
  auto url = RenderUrl("https://h.example/t/{{a}}/{{b}}/{{c}}/end", msg,
                       boost::json::parse(msg.payload), {});
  ASSERT_TRUE(url) << url.error().detail;
  EXPECT_EQ(*url, "https://h.example/t/%2E%2E/%2E/x.y/end");  // not dot-segments: sent as they are
}

TEST(UrlTemplate, MissingVariableFailsNamingIt) {
  auto msg = Msg(R"({"a":null})");
  auto url = RenderUrl("https://h.example/{{a}}", msg, boost::json::parse(msg.payload), {});
  ASSERT_FALSE(url);
  EXPECT_NE(url.error().detail.find("'a'"), std::string::npos);
  EXPECT_FALSE(
      RenderUrl("https://h.example/{{nope.deep}}", msg, boost::json::parse(msg.payload), {}));
}

TEST(UrlTemplate, CheckRejectsBadTemplatesAtCreation) {
  core::StringMap env{{"known", "1"}};
  EXPECT_EQ(CheckUrlTemplate("https://h.example/{{env.known}}/{{member.id}}", &env), "");
  EXPECT_NE(CheckUrlTemplate("https://h.example/{{env.unknown}}", &env), "");
  EXPECT_EQ(CheckUrlTemplate("https://h.example/{{env.unknown}}", nullptr), "");  // unchecked
  EXPECT_NE(CheckUrlTemplate("https://{{host}}.example/", &env), "");
  EXPECT_NE(CheckUrlTemplate("https://h.example:{{port}}/", &env), "");
  EXPECT_NE(CheckUrlTemplate("https://h.example/{{unclosed", &env), "");
  EXPECT_NE(CheckUrlTemplate("https://h.example/{{bad name}}", &env), "");
  EXPECT_EQ(SampleUrl("https://h.example/{{a}}?b={{c}}"), "https://h.example/x?b=x");
}

TEST(FormEncode, FlattensNestedKeysAndKeepsNumberText) {
  EXPECT_EQ(FormEncode(R"({"a":"x y","b":{"c":1,"d":[true,null]},"p":2.5,"q":"é&="})"),
            "a=x+y&b%5Bc%5D=1&b%5Bd%5D%5B0%5D=true&b%5Bd%5D%5B1%5D=&p=2.5&q=%C3%A9%26%3D");
}

TEST(JsonText, WritesShortestNumbers) {
  EXPECT_EQ(core::JsonText(boost::json::parse(R"({"p":2.5,"r":0.1,"i":3,"s":"a\"b","l":[1e21]})")),
            R"({"p":2.5,"r":0.1,"i":3,"s":"a\"b","l":[1e+21]})");
}

TEST(BuildRequest, GetFormAndAuthShapes) {
  core::Endpoint ep;
  ep.url = "https://h.example/x?id={{msgId}}";
  ep.secrets = {{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", std::nullopt}};
  ep.options.method = "GET";
  ep.options.basic_auth = core::BasicAuth{"u", "p"};
  Signer signer;
  auto get = BuildRequest(ep, ep.url, Msg(R"({"a":1})"), {}, core::TimePoint{}, signer, {});
  ASSERT_TRUE(get);
  EXPECT_EQ(get->method, "GET");
  EXPECT_EQ(get->url, "https://h.example/x?id=msg_1");
  EXPECT_TRUE(get->body.empty());
  auto has = [](const HttpRequest& r, std::string_view h) {
    return std::find(r.headers.begin(), r.headers.end(), h) != r.headers.end();
  };
  EXPECT_TRUE(has(*get, "Authorization: Basic dTpw"));
  for (const auto& h : get->headers) EXPECT_FALSE(h.starts_with("Content-Type"));

  ep.options.method = "POST";
  ep.options.content_type = "application/x-www-form-urlencoded";
  auto post = BuildRequest(ep, "https://h.example/f", Msg(R"({"a":{"b":"c"}})"), {},
                           core::TimePoint{}, signer, {});
  ASSERT_TRUE(post);
  EXPECT_EQ(post->body, "a%5Bb%5D=c");
  EXPECT_TRUE(has(*post, "Content-Type: application/x-www-form-urlencoded"));

  ep.secrets.clear();  // no key: no signature header at all
  auto unsigned_req =
      BuildRequest(ep, "https://h.example/f", Msg("{}"), {}, core::TimePoint{}, signer, {});
  for (const auto& h : unsigned_req->headers) EXPECT_FALSE(h.starts_with("webhook-signature"));
}

}  // namespace
}  // namespace hookd::delivery
