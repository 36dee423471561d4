// Reading replies from answers: JSON objects and form fields are replies; anything else is
// recorded with the reason.
#include "delivery/reply.h"

#include <gtest/gtest.h>

#include "core/json_text.h"

namespace hookd::delivery {
namespace {

core::Attempt Read(std::string_view body) {
  core::Attempt a;
  ReadReply(body, a);
  return a;
}

TEST(ReplyTest, AJsonObjectIsAReply) {
  auto a = Read(R"( {"Message": "Hi", "Destination": "447700900000"} )");
  ASSERT_TRUE(a.reply);
  EXPECT_EQ(*a.reply, R"({"Message":"Hi","Destination":"447700900000"})");
  EXPECT_EQ(a.reply_error, "");
}

TEST(ReplyTest, FormFieldsAreAReply) {
  auto a = Read("Message=Call+me%21&Destination=447700900000");
  ASSERT_TRUE(a.reply);
  EXPECT_EQ(*a.reply, R"({"Message":"Call me!","Destination":"447700900000"})");
}

TEST(ReplyTest, FormEscapesOfBytesThatAreNotUtf8BecomeReplacementCharacters) {
  auto a = Read("Message=caf%E9&%FF=x");  // Latin-1, as legacy gateways send it
  ASSERT_TRUE(a.reply);
  EXPECT_EQ(*a.reply, "{\"Message\":\"caf\xEF\xBF\xBD\",\"\xEF\xBF\xBD\":\"x\"}");
  EXPECT_NO_THROW(core::ParseJson(*a.reply));
}

TEST(ReplyTest, OtherAnswersAreRecordedWithTheReason) {
  EXPECT_EQ(Read("").reply_error.substr(0, 5), "empty");
  EXPECT_EQ(Read("  \n").reply_error.substr(0, 5), "empty");
  for (auto body : {"{\"a\":", "[1,2]", "ok", "a=%zz", "=x", "plain text here"}) {
    auto a = Read(body);
    EXPECT_FALSE(a.reply) << body;
    EXPECT_EQ(a.reply_error.substr(0, 9), "malformed") << body;
  }
  auto big = Read("{\"m\":\"" + std::string(kMaxReplyBytes, 'x') + "\"}");
  EXPECT_FALSE(big.reply);
  EXPECT_EQ(big.reply_error.substr(0, 9), "oversized");
}

}  // namespace
}  // namespace hookd::delivery
