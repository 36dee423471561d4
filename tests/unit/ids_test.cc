#include "core/ids.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace hookd::core {
namespace {

using namespace std::chrono_literals;

TEST(Ids, HavePrefixAndFixedLength) {
  auto id = NewId("msg");
  EXPECT_TRUE(id.starts_with("msg_"));
  EXPECT_EQ(id.size(), 4u + 27u);
  EXPECT_TRUE(HasIdPrefix(id, "msg"));
  EXPECT_FALSE(HasIdPrefix(id, "app"));
  EXPECT_FALSE(HasIdPrefix("msg_short", "msg"));
  EXPECT_FALSE(HasIdPrefix("msg_" + std::string(27, '!'), "msg"));
}

TEST(Ids, SortByCreationTime) {
  FakeClock clock(TimePoint(1'700'000'000s));
  std::vector<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    ids.push_back(NewId("app", clock));
    if (i % 10 == 0) clock.Advance(1ms);
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
}

TEST(Ids, StrictlyIncreasingAcrossThreadsEvenWhenClockStands) {
  FakeClock clock(TimePoint(1'800'000'000s));
  std::vector<std::vector<std::string>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& out : per_thread) {
    threads.emplace_back([&clock, &out] {
      for (int i = 0; i < 500; ++i) out.push_back(NewId("msg", clock));
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (auto& v : per_thread) {
    EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), 2000u);
}

TEST(Ids, EncodeTimeRoundTrip) {
  TimePoint t(1'900'000'000s + 123456us);
  FakeClock clock(t);
  auto id = IdLowerBound("msg", t);
  ASSERT_TRUE(IdTime(id).has_value());
  EXPECT_EQ(*IdTime(id), t);
  EXPECT_LE(id, NewId("msg", FakeClock(t + 1s)));
  EXPECT_FALSE(IdTime("nounderscore").has_value());
}

}  // namespace
}  // namespace hookd::core
