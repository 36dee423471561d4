// Portal tokens expire on the injected clock: at their expiry, and at the time expire-all sets.
#include <gtest/gtest.h>

#include <filesystem>

#include "api/service.h"
#include "api_call.h"
#include "core/clock.h"
#include "core/ids.h"
#include "store/sqlite/sqlite_store.h"

namespace hookd::api {
namespace {

using namespace std::chrono_literals;

class TokenExpiryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(store_->Init());
    options_.admin_token_hash = HashToken("admin");
    svc_ = std::make_unique<ApiService>(*store_, clock_, options_, nullptr);
    api_ = std::make_unique<Api>(*svc_);
    app_ = Str(api_->Json(Method::kPost, "/api/v1/app", "admin", R"({"name":"A"})"), "id");
  }
  void TearDown() override {
    api_.reset();
    svc_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string Portal(const std::string& body) {
    return Str(api_->Json(Method::kPost, "/api/v1/auth/app-portal-access/" + app_, "admin", body),
               "token");
  }
  int Get(const std::string& token) {
    return api_->Call(Method::kGet, "/api/v1/app/" + app_, token).status;
  }

  std::filesystem::path dir_ = std::filesystem::temp_directory_path() / core::NewId("expiry");
  core::FakeClock clock_{core::TimePoint(1'800'000'000s)};
  std::unique_ptr<store::Store> store_ =
      store::sqlite::MakeSqliteStore({.path = (dir_ / "hookd.db").string()}, clock_);
  ApiOptions options_;
  std::unique_ptr<ApiService> svc_;
  std::unique_ptr<Api> api_;
  std::string app_;
};

TEST_F(TokenExpiryTest, APortalTokenWorksUntilItsExpiryThenIs401) {
  auto token = Portal(R"({"expiry": 3600})");
  EXPECT_EQ(Get(token), 200);
  clock_.Advance(3599s);
  EXPECT_EQ(Get(token), 200);  // cached now: the cache must not outlive the expiry
  clock_.Advance(1s);
  auto res = api_->Call(Method::kGet, "/api/v1/app/" + app_, token);
  EXPECT_EQ(res.status, 401);
  EXPECT_NE(res.body.find("expired"), std::string::npos) << res.body;
}

TEST_F(TokenExpiryTest, ExpireAllWithADelayEndsTokensThen) {
  auto token = Portal("{}");  // 7 days
  EXPECT_EQ(api_->Call(Method::kPost, "/api/v1/auth/app/" + app_ + "/expire-all", "admin",
                       R"({"expiry": 600})")
                .status,
            204);
  clock_.Advance(599s);
  EXPECT_EQ(Get(token), 200);
  clock_.Advance(1s);
  EXPECT_EQ(Get(token), 401);
}

TEST_F(TokenExpiryTest, WithoutExpiryAPortalTokenLastsSevenDays) {
  auto token = Portal("{}");
  clock_.Advance(7 * 24h - 1s);
  EXPECT_EQ(Get(token), 200);
  clock_.Advance(1s);
  EXPECT_EQ(Get(token), 401);
}

}  // namespace
}  // namespace hookd::api
