// The alert part of the store contract, run against every implementation: alerts planned with the
// operational event that causes them (recipients, the app's event filter, fallback URLs), one
// immediate alert per window and a digest counting the rest, claims and results.
#include <set>

#include "core/ops_events.h"
#include "store_fixture.h"

namespace hookd::store {
namespace {

using core::ErrorCode;

class AlertStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    auto app = MakeApp("acme");
    app.notifications = {{"ops@acme.test", "oncall@acme.test"}, {"+15550100"}, {}, 60};
    app_ = *Create(app);
    ep_ = MakeEndpoint(app_.id, "main");
    ep_.fallback_url = "https://acme.test/fallback";
    EXPECT_TRUE(Wait<core::Endpoint>(
        [&](Done<core::Endpoint> d) { store_->CreateEndpoint(ep_, std::nullopt, {}, d); }));
  }
  // Stores an operational event about the endpoint (with an update of it, as the API does).
  void Emit(std::string_view type) {
    core::EndpointRef ref{app_.id, app_.uid, ep_.id, ep_.uid};
    auto event = type == core::ops::kEndpointDisabled
                     ? core::EndpointDisabledEvent(ref, clock_.Now(), "automatic",
                                                   core::NewId("msg", clock_))
                     : core::EndpointEvent(type, ref, core::NewId("msg", clock_));
    ASSERT_TRUE(Wait<core::Endpoint>(
        [&](Done<core::Endpoint> d) { store_->UpdateEndpoint(ep_, std::nullopt, {event}, d); }));
  }
  std::vector<Alert> All() {
    auto page = store_->ListAlerts(app_.id, {.limit = 250});
    EXPECT_TRUE(page);
    return page ? page->data : std::vector<Alert>{};
  }
  std::vector<Alert> ClaimDue(const std::string& node = "n1") {
    auto r = Wait<std::vector<Alert>>([&](Done<std::vector<Alert>> d) {
      store_->ClaimDueAlerts(node, clock_.Now(), clock_.Now() + 30s, 100, d);
    });
    EXPECT_TRUE(r);
    return r ? *r : std::vector<Alert>{};
  }
  void Sent(std::vector<Alert> alerts) {
    for (auto& a : alerts) {
      a.status = "sent";
      a.attempts = 1;
      a.sent_at = clock_.Now();
      a.next_attempt_at.reset();
      ASSERT_TRUE(Wait<void>([&](Done<void> d) { store_->RecordAlert(a, "n1", d); }));
    }
  }
  static std::set<std::string> Recipients(const std::vector<Alert>& alerts) {
    std::set<std::string> out;
    for (const auto& a : alerts) out.insert(a.channel + ":" + a.recipient);
    return out;
  }

  core::App app_;
  core::Endpoint ep_;
};

const std::set<std::string> kEveryone{"email:ops@acme.test", "email:oncall@acme.test",
                                      "sms:+15550100", "fallback:https://acme.test/fallback"};

TEST_P(AlertStoreTest, AnAlertingEventPlansOneAlertPerRecipientWithItsCommit) {
  Emit(core::ops::kEndpointUpdated);  // not an alerting event
  EXPECT_TRUE(All().empty());
  Emit(core::ops::kEndpointDisabled);
  auto alerts = All();
  EXPECT_EQ(Recipients(alerts), kEveryone);
  for (const auto& a : alerts) {
    EXPECT_EQ(a.status, "pending");
    EXPECT_FALSE(a.digest);
    EXPECT_EQ(a.rule, "endpoint.disabled");
    EXPECT_EQ(a.endpoint_id, ep_.id);
    EXPECT_EQ(a.next_attempt_at, clock_.Now());
  }
}

TEST_P(AlertStoreTest, OneAlertPerWindowThenADigestOfTheRest) {
  Emit(core::ops::kAttemptExhausted);
  auto first = ClaimDue();
  EXPECT_EQ(Recipients(first), kEveryone);
  Sent(first);
  clock_.Advance(10s);
  Emit(core::ops::kAttemptExhausted);
  clock_.Advance(10s);
  Emit(core::ops::kAttemptExhausted);
  EXPECT_TRUE(ClaimDue().empty());  // no second alert inside the window
  std::vector<Alert> digests;
  for (const auto& a : All())
    if (a.digest) digests.push_back(a);
  ASSERT_EQ(digests.size(), 4u);
  for (const auto& a : digests) {
    EXPECT_EQ(a.status, "waiting");
    EXPECT_EQ(a.events, 2);
    EXPECT_EQ(a.next_attempt_at, first[0].created_at + 60s);
  }
  clock_.Advance(40s);  // the window ends
  auto due = ClaimDue();
  EXPECT_EQ(due.size(), 4u);
  for (const auto& a : due) EXPECT_TRUE(a.digest);
  Sent(due);
  clock_.Advance(5s);
  Emit(core::ops::kAttemptExhausted);  // a new window
  auto next = ClaimDue();
  ASSERT_EQ(next.size(), 4u);
  EXPECT_FALSE(next[0].digest);
}

TEST_P(AlertStoreTest, TheAppChoosesWhichEventsAlertItsPeople) {
  app_.notifications.events = {"endpoint.disabled"};
  ASSERT_TRUE(Wait<core::App>([&](Done<core::App> d) { store_->UpdateApp(app_, d); }));
  Emit(core::ops::kAttemptFailing);
  EXPECT_EQ(Recipients(All()), (std::set<std::string>{"fallback:https://acme.test/fallback"}));
}

TEST_P(AlertStoreTest, AnAlertIsOneSendersUntilItIsRecorded) {
  Emit(core::ops::kEndpointDisabled);
  auto mine = ClaimDue("n1");
  ASSERT_EQ(mine.size(), 4u);
  EXPECT_TRUE(ClaimDue("n2").empty());
  auto retry = mine[0];
  retry.attempts = 1;
  retry.error = "connect: refused";
  retry.next_attempt_at = clock_.Now() + 10s;
  auto stolen = Wait<void>([&](Done<void> d) { store_->RecordAlert(retry, "n2", d); });
  ASSERT_FALSE(stolen);
  EXPECT_EQ(stolen.error().code, ErrorCode::kLeaseLost);
  ASSERT_TRUE(Wait<void>([&](Done<void> d) { store_->RecordAlert(retry, "n1", d); }));
  clock_.Advance(31s);  // the other claims ran out; the retried one is due again too
  EXPECT_EQ(ClaimDue("n2").size(), 4u);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, AlertStoreTest, ::testing::ValuesIn(Backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace hookd::store
