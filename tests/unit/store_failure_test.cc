// The failure-policy part of the store contract, run against every implementation: each
// disabling rule on the injected clock (exhausted count, failing duration with its quiet gap,
// 410, rules switched off), held deliveries of disabled endpoints and their release, and
// operational events stored in the same commit as what caused them.
#include <boost/json.hpp>
#include <set>

#include "core/ops_events.h"
#include "core/time_format.h"
#include "store_fixture.h"

namespace hookd::store {
namespace {

using core::AttemptOutcome;
using core::DeliveryStatus;
namespace json = boost::json;

class FailureStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    app_ = *Create(MakeApp("acme"));
    ep_ = AddEndpoint(app_.id, "main");
    ops_ep_ = AddEndpoint(std::string(core::kOperationsAppId));  // receives every event
  }

  core::Endpoint AddEndpoint(const std::string& app_id, std::optional<std::string> uid = {},
                             std::vector<core::OpsEvent> events = {}) {
    auto ep = MakeEndpoint(app_id, std::move(uid));
    ep.event_types.reset();
    EXPECT_TRUE(Wait<core::Endpoint>(
        [&](Done<core::Endpoint> d) { store_->CreateEndpoint(ep, std::nullopt, events, d); }));
    return ep;
  }
  core::Result<core::Endpoint> Update(core::Endpoint ep, std::vector<core::OpsEvent> events = {}) {
    return Wait<core::Endpoint>(
        [&](Done<core::Endpoint> d) { store_->UpdateEndpoint(ep, std::nullopt, events, d); });
  }
  bool Disabled() { return store_->GetEndpoint(app_.id, ep_.id)->disabled; }

  ClaimBatch Claim() {
    ClaimRequest r;
    r.node = "n1";
    r.now = clock_.Now();
    r.lease_until = r.now + 30s;
    auto batch = Wait<ClaimBatch>([&](Done<ClaimBatch> d) { store_->ClaimDue(std::move(r), d); });
    EXPECT_TRUE(batch);
    return batch ? *batch : ClaimBatch{};
  }
  // Claims the tenant's delivery of `msg_id` (operational deliveries stay claimed aside).
  std::optional<core::DueDelivery> ClaimOf(const std::string& msg_id) {
    for (auto& d : Claim().claimed)
      if (d.msg_id == msg_id) return d;
    return std::nullopt;
  }

  // Posts a message and records one attempt of it that ended as `outcome` (status 500, or
  // `status`), under `policy`.
  std::string Attempt(AttemptOutcome outcome, core::FailurePolicy policy, int status = 500) {
    auto m = MakeMessage(app_.id);
    EXPECT_TRUE(Post(m));
    auto d = ClaimOf(m.id);
    EXPECT_TRUE(d);
    if (!d) return m.id;
    bool ok = outcome == AttemptOutcome::kSucceeded;
    auto a = MakeAttempt(app_.id, m.id, ep_.id, ok ? 200 : status);
    core::DeliveryUpdate u{m.id, ep_.id,
                           ok                                      ? DeliveryStatus::kSuccess
                           : outcome == AttemptOutcome::kExhausted ? DeliveryStatus::kFail
                                                                   : DeliveryStatus::kSending,
                           1, std::nullopt};
    if (outcome == AttemptOutcome::kFailed) u.next_attempt_at = clock_.Now() + 1h;
    u.node = "n1";
    u.disable_endpoint = status == 410;
    u.accounting = core::FailureAccounting{
        outcome, policy, {app_.id, app_.uid, ep_.id, ep_.uid}, core::NewId("msg", clock_)};
    EXPECT_TRUE(Wait<void>([&](Done<void> done) { store_->RecordOutcome(a, u, done); }));
    return m.id;
  }

  core::App app_;
  core::Endpoint ep_, ops_ep_;
};

const core::FailurePolicy kThreeExhausted{3, 0, true};

TEST_P(FailureStoreTest, ConsecutiveExhaustedMessagesDisableTheEndpoint) {
  auto first = clock_.Now();
  Attempt(AttemptOutcome::kExhausted, kThreeExhausted);
  clock_.Advance(1min);
  Attempt(AttemptOutcome::kFailed, kThreeExhausted);  // still retrying: not counted
  Attempt(AttemptOutcome::kExhausted, kThreeExhausted);
  EXPECT_FALSE(Disabled());
  EXPECT_TRUE(Events(core::ops::kEndpointDisabled).empty());
  Attempt(AttemptOutcome::kExhausted, kThreeExhausted);
  EXPECT_TRUE(Disabled());

  auto events = Events(core::ops::kEndpointDisabled);
  ASSERT_EQ(events.size(), 1u);
  const auto& data = events[0].at("data").as_object();
  EXPECT_EQ(events[0].at("type").as_string(), "endpoint.disabled");
  EXPECT_EQ(data.at("appId").as_string(), app_.id);
  EXPECT_EQ(data.at("appUid").as_string(), "acme");
  EXPECT_EQ(data.at("endpointId").as_string(), ep_.id);
  EXPECT_EQ(data.at("endpointUid").as_string(), "main");
  EXPECT_EQ(data.at("trigger").as_string(), "automatic");
  EXPECT_EQ(data.at("failSince").as_string(), core::FormatTime(first));

  // The event is a message of the operations app, due to its endpoint at once.
  auto due = Claim();
  ASSERT_EQ(due.claimed.size(), 1u);
  EXPECT_EQ(due.claimed[0].endpoint_id, ops_ep_.id);
  EXPECT_EQ(due.claimed[0].message->event_type, "endpoint.disabled");
}

TEST_P(FailureStoreTest, ASuccessStartsTheCountAfresh) {
  Attempt(AttemptOutcome::kExhausted, kThreeExhausted);
  Attempt(AttemptOutcome::kExhausted, kThreeExhausted);
  Attempt(AttemptOutcome::kSucceeded, kThreeExhausted);
  Attempt(AttemptOutcome::kExhausted, kThreeExhausted);
  Attempt(AttemptOutcome::kExhausted, kThreeExhausted);
  EXPECT_FALSE(Disabled());
  Attempt(AttemptOutcome::kExhausted, kThreeExhausted);
  EXPECT_TRUE(Disabled());
}

TEST_P(FailureStoreTest, FailingContinuouslyForTheDurationDisables) {
  const core::FailurePolicy hour{0, 3600, true};
  auto start = clock_.Now();
  Attempt(AttemptOutcome::kFailed, hour);
  clock_.Advance(30min);
  Attempt(AttemptOutcome::kFailed, hour);
  clock_.Advance(29min);
  Attempt(AttemptOutcome::kExhausted, hour);
  EXPECT_FALSE(Disabled());
  clock_.Advance(1min);
  Attempt(AttemptOutcome::kFailed, hour);
  EXPECT_TRUE(Disabled());
  auto events = Events(core::ops::kEndpointDisabled);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("data").at("failSince").as_string(), core::FormatTime(start));
}

TEST_P(FailureStoreTest, TheDurationCountsOnlyWhileFailuresKeepComing) {
  const core::FailurePolicy hour{0, 3600, true};
  Attempt(AttemptOutcome::kFailed, hour);
  clock_.Advance(25h);  // a quiet day: the streak starts again with the next failure
  Attempt(AttemptOutcome::kFailed, hour);
  EXPECT_FALSE(Disabled());
  clock_.Advance(59min);
  Attempt(AttemptOutcome::kFailed, hour);
  EXPECT_FALSE(Disabled());
  clock_.Advance(1min);
  Attempt(AttemptOutcome::kSucceeded, hour);  // ends the streak
  clock_.Advance(1min);
  Attempt(AttemptOutcome::kFailed, hour);
  EXPECT_FALSE(Disabled());
}

TEST_P(FailureStoreTest, GoneDisablesAtOnce) {
  Attempt(AttemptOutcome::kExhausted, {0, 0, true}, 410);
  EXPECT_TRUE(Disabled());
  EXPECT_EQ(Events(core::ops::kEndpointDisabled).size(), 1u);
}

TEST_P(FailureStoreTest, RulesSwitchedOffNeverDisable) {
  const core::FailurePolicy off{0, 0, false};
  for (int i = 0; i < 5; ++i) {
    Attempt(AttemptOutcome::kExhausted, off);
    clock_.Advance(20h);
  }
  EXPECT_FALSE(Disabled());
  EXPECT_TRUE(Events(core::ops::kEndpointDisabled).empty());
}

TEST_P(FailureStoreTest, ADisabledEndpointHoldsItsDeliveriesUntilItIsEnabled) {
  auto disabled = ep_;
  disabled.disabled = true;
  ASSERT_TRUE(Update(disabled));
  std::vector<std::string> msgs;
  for (int i = 0; i < 3; ++i) {
    auto m = MakeMessage(app_.id);
    ASSERT_TRUE(Post(m));
    msgs.push_back(m.id);
    clock_.Advance(1ms);
  }
  EXPECT_TRUE(Claim().claimed.empty());
  auto view = store_->ListMessageDestinations(app_.id, msgs[0], {});
  ASSERT_EQ(view->data.size(), 1u);
  EXPECT_EQ(view->data[0].status, DeliveryStatus::kPending);
  EXPECT_FALSE(view->data[0].next_attempt_at);

  // A killed held delivery stays canceled when the endpoint comes back.
  auto kill = Wait<KillResult>([&](Done<KillResult> d) {
    store_->KillDeliveries(*store_->GetMessage(app_.id, msgs[2]), std::nullopt, clock_.Now(), d);
  });
  ASSERT_TRUE(kill);
  EXPECT_EQ(kill->killed, std::vector<std::string>{ep_.id});

  auto enabled = ep_;
  ASSERT_TRUE(Update(enabled));
  auto released = Claim();
  std::vector<std::string> got;
  for (const auto& d : released.claimed)
    if (d.app_id == app_.id) got.push_back(d.msg_id);            // not the operational events
  EXPECT_EQ(got, (std::vector<std::string>{msgs[0], msgs[1]}));  // in message order
}

TEST_P(FailureStoreTest, AClaimedDeliveryOfADisabledEndpointIsHeld) {
  auto m = MakeMessage(app_.id);
  ASSERT_TRUE(Post(m));
  auto d = ClaimOf(m.id);
  ASSERT_TRUE(d);
  core::DeliveryUpdate hold{m.id, ep_.id, DeliveryStatus::kPending, 0, std::nullopt};
  hold.node = "n1";
  hold.hold = true;
  ASSERT_TRUE(
      Wait<void>([&](Done<void> done) { store_->RecordOutcome(std::nullopt, hold, done); }));
  clock_.Advance(1h);
  EXPECT_TRUE(Claim().claimed.empty());
  ASSERT_TRUE(Update(ep_));  // enabling releases it
  EXPECT_TRUE(ClaimOf(m.id));
}

TEST_P(FailureStoreTest, EnablingStartsTheFailureRecordAfresh) {
  Attempt(AttemptOutcome::kExhausted, kThreeExhausted);
  Attempt(AttemptOutcome::kExhausted, kThreeExhausted);
  Attempt(AttemptOutcome::kExhausted, kThreeExhausted);
  ASSERT_TRUE(Disabled());
  ASSERT_TRUE(Update(ep_));
  Attempt(AttemptOutcome::kExhausted, kThreeExhausted);
  EXPECT_FALSE(Disabled());  // one, not four
}

TEST_P(FailureStoreTest, EndpointEventsAreStoredWithTheChangeOrNotAtAll) {
  core::EndpointRef ref{app_.id, app_.uid, "ep_x", std::nullopt};
  auto created = core::EndpointEvent(core::ops::kEndpointCreated, ref, core::NewId("msg", clock_));
  AddEndpoint(app_.id, "second", {created});
  ASSERT_EQ(Events(core::ops::kEndpointCreated).size(), 1u);
  auto page = store_->ListMessages(core::kOperationsAppId, {.tag = app_.id}, {});
  ASSERT_EQ(page->data.size(), 1u);  // tagged with the tenant app

  // A write that fails (the uid is taken) stores no event.
  auto again = MakeEndpoint(app_.id, "second");
  auto other = core::EndpointEvent(core::ops::kEndpointCreated, ref, core::NewId("msg", clock_));
  EXPECT_FALSE(Wait<core::Endpoint>(
      [&](Done<core::Endpoint> d) { store_->CreateEndpoint(again, std::nullopt, {other}, d); }));
  EXPECT_EQ(Events(core::ops::kEndpointCreated).size(), 1u);

  auto deleted = core::EndpointEvent(core::ops::kEndpointDeleted, ref, core::NewId("msg", clock_));
  ASSERT_TRUE(
      Wait<void>([&](Done<void> d) { store_->DeleteEndpoint(app_.id, ep_.id, {deleted}, d); }));
  EXPECT_EQ(Events(core::ops::kEndpointDeleted).size(), 1u);
}

TEST_P(FailureStoreTest, AutomaticRecoveryProbesAfterTheCoolDownAndDoublesItOnFailure) {
  const core::FailurePolicy recover{1, 0, true, 60};
  Attempt(AttemptOutcome::kExhausted, recover);
  ASSERT_TRUE(Disabled());
  std::vector<std::string> held;
  for (int i = 0; i < 3; ++i) {
    auto m = MakeMessage(app_.id);
    ASSERT_TRUE(Post(m));
    held.push_back(m.id);
    clock_.Advance(1ms);
  }
  Claim();  // the operational events' deliveries, out of the way
  auto probes = [&] {
    return *Wait<int64_t>([&](Done<int64_t> d) { store_->StartProbes(clock_.Now(), d); });
  };
  EXPECT_EQ(probes(), 0);  // cooling down
  clock_.Advance(60s);
  EXPECT_EQ(probes(), 1);
  EXPECT_EQ(probes(), 0);         // one probe at a time
  auto probe = ClaimOf(held[0]);  // the oldest held delivery
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->trigger, core::AttemptTrigger::kProbe);
  EXPECT_FALSE(ClaimOf(held[1]));  // the rest stays held

  auto record = [&](bool ok) {
    core::DeliveryUpdate u{probe->msg_id, ep_.id,
                           ok ? DeliveryStatus::kSuccess : DeliveryStatus::kPending, 1,
                           std::nullopt};
    u.node = "n1";
    u.trigger = core::AttemptTrigger::kProbe;
    u.probe_ok = ok;
    u.hold = !ok;
    ASSERT_TRUE(Wait<void>([&](Done<void> d) { store_->RecordOutcome(std::nullopt, u, d); }));
  };
  record(false);  // still down: held again, next probe after 120 s
  EXPECT_TRUE(Disabled());
  clock_.Advance(119s);
  EXPECT_EQ(probes(), 0);
  clock_.Advance(1s);
  EXPECT_EQ(probes(), 1);
  probe = ClaimOf(held[0]);
  ASSERT_TRUE(probe);
  record(true);  // recovered: enabled, and what it held is due
  EXPECT_FALSE(Disabled());
  std::set<std::string> released;
  for (const auto& d : Claim().claimed) released.insert(d.msg_id);
  EXPECT_EQ(released, (std::set<std::string>{held[1], held[2]}));
}

TEST_P(FailureStoreTest, TheOperationsAppIsNotListed) {
  auto apps = store_->ListApps({.limit = 250});
  ASSERT_TRUE(apps);
  ASSERT_EQ(apps->data.size(), 1u);
  EXPECT_EQ(apps->data[0].id, app_.id);
  EXPECT_TRUE(store_->GetApp(core::kOperationsAppId));
}

INSTANTIATE_TEST_SUITE_P(AllBackends, FailureStoreTest, ::testing::ValuesIn(Backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace hookd::store
