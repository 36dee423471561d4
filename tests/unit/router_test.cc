#include "api/router.h"

#include <gtest/gtest.h>

namespace hookd::api {
namespace {

TEST(Router, MatchesParamsAndMethods) {
  Router r;
  int hit = 0;
  r.Add(Method::kGet, "/api/v1/app/{app}", kView, [&](Request&, Reply) { hit = 1; });
  r.Add(Method::kGet, "/api/v1/app/{app}/endpoint/{ep}", kView, [&](Request&, Reply) { hit = 2; });
  Request req;
  req.method = Method::kGet;
  req.path = "/api/v1/app/app_1/endpoint/my-ep";
  int status = 0;
  auto* h = r.Match(req, &status);
  ASSERT_NE(h, nullptr);
  (*h)(req, nullptr);
  EXPECT_EQ(hit, 2);
  EXPECT_EQ(req.params, (std::vector<std::string>{"app_1", "my-ep"}));

  EXPECT_EQ(r.Match(req, &status), h);  // matched once: its route is kept

  Request del{.method = Method::kDelete, .path = req.path};
  EXPECT_EQ(r.Match(del, &status), nullptr);
  EXPECT_EQ(status, 405);
  Request nope{.method = Method::kGet, .path = "/api/v1/nope"};
  EXPECT_EQ(r.Match(nope, &status), nullptr);
  EXPECT_EQ(status, 404);
}

TEST(Router, SplitPathIgnoresEmptySegments) {
  EXPECT_EQ(SplitPath("/a//b/"), (std::vector<std::string>{"a", "b"}));
}

TEST(Request, QueryAllAcceptsRepeatedAndCommaLists) {
  Request req;
  req.query = {{"event_types", "a,b"}, {"event_types", "c"}};
  EXPECT_EQ(req.QueryAll("event_types"), (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace hookd::api
