#include "store/sqlite/lease_table.h"

#include <gtest/gtest.h>

namespace hookd::store::sqlite {
namespace {

const core::TimePoint kNow{std::chrono::seconds(1'000'000)};
const core::TimePoint kLater = kNow + std::chrono::seconds(30);

// Claims `key` for `node` from a read of its own, ended at once.
bool Claim(LeaseTable& t, const std::string& key, const std::string& node) {
  auto read = t.BeginRead();
  bool claimed = t.TryClaim(key, node, read, kNow, kLater);
  t.EndRead(read);
  return claimed;
}

TEST(LeaseTableTest, AReadFromBeforeAClaimEndedCannotClaimItAgain) {
  LeaseTable t;
  auto before = t.BeginRead();  // may still show the delivery due
  ASSERT_TRUE(Claim(t, "m/e", "a"));
  t.End("m/e");
  EXPECT_FALSE(t.TryClaim("m/e", "b", before, kNow, kLater));
  EXPECT_TRUE(Claim(t, "m/e", "b"));
}

TEST(LeaseTableTest, EndedClaimsAreForgottenOnceNoReadBeganBeforeThem) {
  LeaseTable t;
  auto claiming = t.BeginRead();
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(t.TryClaim(std::to_string(i), "a", claiming, kNow, kLater));
  t.EndRead(claiming);
  auto old_read = t.BeginRead();
  for (int i = 0; i < 100; ++i) t.End(std::to_string(i));
  EXPECT_EQ(t.Size(), 100u);  // the old read may still show them due
  EXPECT_FALSE(t.TryClaim("7", "b", old_read, kNow, kLater));
  t.EndRead(old_read);
  EXPECT_EQ(t.Size(), 0u);
  // With no read in progress an ended claim is forgotten at once.
  ASSERT_TRUE(Claim(t, "x", "a"));
  EXPECT_EQ(t.Size(), 1u);
  t.End("x");
  EXPECT_EQ(t.Size(), 0u);
}

TEST(LeaseTableTest, ReadsBegunTogetherEndTogetherOrOneByOne) {
  LeaseTable t;
  ASSERT_TRUE(Claim(t, "k", "a"));
  auto fresh = t.BeginRead(3);  // three deliveries of one commit
  t.End("k");
  t.EndRead(fresh, 2);
  EXPECT_EQ(t.Size(), 1u);
  EXPECT_FALSE(t.TryClaim("k", "b", fresh, kNow, kLater));
  t.EndRead(fresh);
  EXPECT_EQ(t.Size(), 0u);
}

TEST(LeaseTableTest, AClaimTakenAgainIsNotForgottenWithItsOldEnd) {
  LeaseTable t;
  auto old_read = t.BeginRead();
  ASSERT_TRUE(Claim(t, "k", "a"));
  t.End("k");
  ASSERT_TRUE(Claim(t, "k", "b"));  // a later read claims it
  t.EndRead(old_read);
  EXPECT_TRUE(t.HeldByOther("k", "a"));
  EXPECT_TRUE(t.Held("k", kNow));
}

}  // namespace
}  // namespace hookd::store::sqlite
