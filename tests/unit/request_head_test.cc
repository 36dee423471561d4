#include "api/request_head.h"

#include <gtest/gtest.h>

namespace hookd::api {
namespace {

namespace http = boost::beast::http;

std::expected<Head, HeadRefusal> HeadOf(std::string target) {
  RequestParser::value_type msg{http::verb::get, target, 11};
  return ParseHead(msg);
}

TEST(RequestHeadTest, PathsQueriesAndMalformedTargets) {
  // Plain paths (taken as they are) and paths the URL parser decodes give the same kind of answer.
  EXPECT_EQ(HeadOf("/api/v1/app/app_1/msg")->request.path, "/api/v1/app/app_1/msg");
  EXPECT_EQ(HeadOf("/a-b._~!$&'()*+,;=:@/c")->request.path, "/a-b._~!$&'()*+,;=:@/c");
  EXPECT_EQ(HeadOf("//x")->request.path, "//x");
  EXPECT_EQ(HeadOf("/a%2Fb%20c")->request.path, "/a/b c");
  auto with_query = HeadOf("/m?limit=5&event_types[]=a&x=%41");
  ASSERT_TRUE(with_query);
  EXPECT_EQ(with_query->request.path, "/m");
  EXPECT_EQ(with_query->request.raw_query, "limit=5&event_types%5B%5D=a&x=%41");
  EXPECT_EQ(with_query->request.query.find("event_types[]")->second, "a");
  EXPECT_EQ(with_query->request.query.find("x")->second, "A");
  for (std::string bad : {"a/b", "http://h/a", "/a b", "/a#f", "/a\"b", "/a%zz", "/a\x7f", "*"})
    EXPECT_FALSE(HeadOf(bad)) << bad;
}

}  // namespace
}  // namespace hookd::api
