// API tokens in the store, on every backend: kinds, capabilities, expiry, logout, expire-all.
#include "store_fixture.h"

namespace hookd::store {
namespace {

using namespace std::chrono_literals;
using core::Capability;

class TokenStoreTest : public StoreTest {
 protected:
  core::Token Mint(const std::string& hash, const std::string& app_id, core::Token::Kind kind,
                   std::optional<std::string> session = std::nullopt) {
    core::Token t{core::NewId("tok"), hash, app_id, "t", clock_.Now()};
    t.kind = kind;
    if (kind == core::Token::Kind::kPortal) {
      t.capabilities = core::Bit(Capability::kViewBase) | core::Bit(Capability::kCreateAttempts);
      t.expires_at = clock_.Now() + 7 * 24h;
      t.session_id = std::move(session);
    }
    EXPECT_TRUE(Wait<core::Token>([&](Done<core::Token> d) { store_->CreateToken(t, d); }));
    return t;
  }
  std::optional<core::TimePoint> ExpiryOf(const std::string& hash) {
    return store_->FindTokenByHash(hash)->expires_at;
  }
};

TEST_P(TokenStoreTest, TokensKeepTheirKindCapabilitiesExpiryAndSession) {
  auto app = Create(MakeApp());
  ASSERT_TRUE(app);
  auto portal = Mint("h-portal", app->id, core::Token::Kind::kPortal, "sess-1");
  auto got = store_->FindTokenByHash("h-portal");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->kind, core::Token::Kind::kPortal);
  EXPECT_EQ(got->capabilities, portal.capabilities);
  EXPECT_EQ(got->expires_at, portal.expires_at);
  EXPECT_EQ(got->session_id, "sess-1");
  EXPECT_EQ(got->app_id, app->id);

  Mint("h-producer", app->id, core::Token::Kind::kApp);
  auto producer = store_->FindTokenByHash("h-producer");
  EXPECT_EQ(producer->kind, core::Token::Kind::kApp);
  EXPECT_EQ(producer->capabilities, core::kAllCapabilities);
  EXPECT_FALSE(producer->expires_at);
}

TEST_P(TokenStoreTest, ExpireAllShortensPortalTokensOfTheAppAndSessionsNamed) {
  auto a = Create(MakeApp());
  auto b = Create(MakeApp());
  ASSERT_TRUE(a && b);
  Mint("a1", a->id, core::Token::Kind::kPortal, "s1");
  Mint("a2", a->id, core::Token::Kind::kPortal, "s2");
  Mint("b1", b->id, core::Token::Kind::kPortal, "s1");
  Mint("ak", a->id, core::Token::Kind::kApp);
  auto later = ExpiryOf("a2");
  auto soon = clock_.Now() + 10min;
  auto expire = [&](core::TimePoint at, std::vector<std::string> sessions) {
    return Wait<void>([&](Done<void> d) { store_->ExpirePortalTokens(a->id, at, sessions, d); });
  };
  ASSERT_TRUE(expire(soon, {"s1"}));
  EXPECT_EQ(ExpiryOf("a1"), soon);
  EXPECT_EQ(ExpiryOf("a2"), later);
  EXPECT_EQ(ExpiryOf("b1"), later) << "another app's token of the same session";
  ASSERT_TRUE(expire(clock_.Now() + 1h, {}));
  EXPECT_EQ(ExpiryOf("a1"), soon) << "expire-all never extends a token";
  EXPECT_EQ(ExpiryOf("a2"), clock_.Now() + 1h);
  EXPECT_FALSE(ExpiryOf("ak")) << "producer keys are not portal tokens";
}

TEST_P(TokenStoreTest, DeletedTokensAreGone) {
  auto app = Create(MakeApp());
  ASSERT_TRUE(app);
  auto t = Mint("h", app->id, core::Token::Kind::kPortal);
  ASSERT_TRUE(Wait<void>([&](Done<void> d) { store_->DeleteToken(t.id, d); }));
  EXPECT_EQ(store_->FindTokenByHash("h").error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(Wait<void>([&](Done<void> d) { store_->DeleteToken(t.id, d); }).error().code,
            core::ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, TokenStoreTest, ::testing::ValuesIn(Backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace hookd::store
