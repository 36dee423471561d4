// The outcome decision as a table: no sockets, no store, time and ids passed in.
#include "delivery/outcome.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/ops_events.h"

namespace hookd::delivery {
namespace {

using namespace std::chrono_literals;
using core::AttemptOutcome;
using core::DeliveryStatus;

class OutcomeTest : public ::testing::Test {
 protected:
  OutcomeTest() {
    auto app = std::make_shared<core::App>();
    app->id = "app_1";
    app->uid = "acme";
    auto ep = std::make_shared<core::Endpoint>();
    ep->id = "ep_1";
    ep->app_id = "app_1";
    ep->uid = "main";
    auto msg = std::make_shared<core::Message>();
    msg->id = "msg_1";
    msg->app_id = "app_1";
    msg->event_id = "evt-1";
    d_.app_id = "app_1";
    d_.msg_id = "msg_1";
    d_.endpoint_id = "ep_1";
    d_.app = app;
    d_.endpoint = ep;
    d_.message = msg;
    retry_.schedule = {5s, 60s};  // three attempts in all
  }

  core::DeliveryUpdate Run(int attempts_before, int status,
                           std::optional<core::TimePoint> deadline = std::nullopt) {
    d_.attempts = attempts_before;
    attempt_.id = "atmpt_" + std::to_string(attempts_before + 1);
    attempt_.endpoint_id = "ep_1";
    attempt_.response_status = status;
    attempt_.status =
        status >= 200 && status < 300 ? DeliveryStatus::kSuccess : DeliveryStatus::kFail;
    attempt_.created_at = now_;
    return Decide(d_, {attempt_, std::nullopt},
                  {now_, deadline, retry_, policy_, random_, [this] { return NextId(); }},
                  &exhausted_);
  }
  std::string NextId() { return "msg_ops" + std::to_string(++ids_); }
  static std::vector<std::string> Types(const core::DeliveryUpdate& u) {
    std::vector<std::string> out;
    for (const auto& e : u.events) out.push_back(e.type);
    return out;
  }

  core::DueDelivery d_;
  core::Attempt attempt_;
  RetryPolicy retry_;
  core::FailurePolicy policy_ = {3, 432000, true};
  core::FixedRandom random_{0.5};  // no jitter
  core::TimePoint now_{1'800'000'000s};
  bool exhausted_ = false;
  int ids_ = 0;
};

TEST_F(OutcomeTest, ASuccessEndsTheDeliveryAndCountsForTheEndpoint) {
  auto u = Run(0, 200);
  EXPECT_EQ(u.status, DeliveryStatus::kSuccess);
  EXPECT_EQ(u.attempts, 1);
  EXPECT_FALSE(u.next_attempt_at);
  ASSERT_TRUE(u.accounting);
  EXPECT_EQ(u.accounting->outcome, AttemptOutcome::kSucceeded);
  EXPECT_TRUE(u.accounting->disabled_event_id.empty());  // a success disables nothing
  EXPECT_TRUE(u.events.empty());
  EXPECT_FALSE(exhausted_);
}

TEST_F(OutcomeTest, AFailureWithRetriesLeftIsScheduled) {
  auto u = Run(0, 500);
  EXPECT_EQ(u.status, DeliveryStatus::kSending);
  EXPECT_EQ(u.next_attempt_at, now_ + 5s);
  EXPECT_EQ(u.accounting->outcome, AttemptOutcome::kFailed);
  EXPECT_EQ(u.accounting->disabled_event_id, "msg_ops1");
  EXPECT_EQ(u.accounting->ref.app_uid, "acme");
  EXPECT_EQ(u.accounting->ref.endpoint_uid, "main");
  EXPECT_TRUE(u.events.empty());
}

TEST_F(OutcomeTest, TheLastFailureExhaustsTheMessage) {
  auto u = Run(2, 500);
  EXPECT_EQ(u.status, DeliveryStatus::kFail);
  EXPECT_FALSE(u.next_attempt_at);
  EXPECT_TRUE(exhausted_);
  EXPECT_EQ(u.accounting->outcome, AttemptOutcome::kExhausted);
  ASSERT_EQ(Types(u), std::vector<std::string>{"message.attempt.exhausted"});
  auto payload = boost::json::parse(u.events[0].payload);
  const auto& data = payload.at("data");
  EXPECT_EQ(data.at("appId").as_string(), "app_1");
  EXPECT_EQ(data.at("appUid").as_string(), "acme");
  EXPECT_EQ(data.at("msgId").as_string(), "msg_1");
  EXPECT_EQ(data.at("msgEventId").as_string(), "evt-1");
  EXPECT_EQ(data.at("endpointId").as_string(), "ep_1");
  EXPECT_EQ(data.at("lastAttempt").at("id").as_string(), "atmpt_3");
  EXPECT_EQ(data.at("lastAttempt").at("responseStatusCode").as_int64(), 500);
  EXPECT_EQ(u.events[0].app_id, "app_1");
}

TEST_F(OutcomeTest, TheFourthFailureIsFailingAndALaterSuccessRecovered) {
  retry_.schedule = {1s, 1s, 1s, 1s, 1s, 1s};
  EXPECT_TRUE(Run(2, 500).events.empty());
  EXPECT_EQ(Types(Run(3, 500)), std::vector<std::string>{"message.attempt.failing"});
  EXPECT_TRUE(Run(4, 500).events.empty());
  EXPECT_EQ(Types(Run(5, 200)), std::vector<std::string>{"message.attempt.recovered"});
  EXPECT_TRUE(Run(2, 200).events.empty());  // nothing was reported failing
}

TEST_F(OutcomeTest, GoneStopsAtOnceUnlessTheRuleIsOff) {
  auto u = Run(0, 410);
  EXPECT_EQ(u.status, DeliveryStatus::kFail);
  EXPECT_TRUE(u.disable_endpoint);
  EXPECT_EQ(u.accounting->outcome, AttemptOutcome::kExhausted);
  policy_.disable_on_gone = false;
  u = Run(0, 410);
  EXPECT_FALSE(u.disable_endpoint);
  EXPECT_EQ(u.status, DeliveryStatus::kSending);
}

TEST_F(OutcomeTest, ARetryPastTheTotalTimeoutExhausts) {
  auto u = Run(0, 500, now_ + 3s);
  EXPECT_EQ(u.status, DeliveryStatus::kFail);
  EXPECT_TRUE(exhausted_);
}

TEST_F(OutcomeTest, TheOperationsAppReportsNothingAboutItself) {
  d_.app_id = std::string(core::kOperationsAppId);
  auto u = Run(2, 500);
  EXPECT_TRUE(u.events.empty());
  ASSERT_TRUE(u.accounting);  // its endpoints are still disabled by the rules
  EXPECT_TRUE(u.accounting->disabled_event_id.empty());
}

TEST_F(OutcomeTest, AProbeOnlySaysWhetherTheEndpointRecovered) {
  d_.trigger = core::AttemptTrigger::kProbe;
  auto failed = Run(0, 500);
  EXPECT_EQ(failed.probe_ok, false);
  EXPECT_TRUE(failed.hold);  // held again, not retried
  EXPECT_FALSE(failed.next_attempt_at);
  EXPECT_FALSE(failed.accounting);  // a disabled endpoint's record does not grow
  EXPECT_TRUE(failed.events.empty());
  auto ok = Run(0, 200);
  EXPECT_EQ(ok.probe_ok, true);
  EXPECT_EQ(ok.status, DeliveryStatus::kSuccess);
  EXPECT_EQ(Types(ok), std::vector<std::string>{"endpoint.enabled"});
}

TEST_F(OutcomeTest, HoldKeepsTheDeliveryWithoutAnAttempt) {
  d_.attempts = 2;
  auto u = Hold(d_);
  EXPECT_TRUE(u.hold);
  EXPECT_EQ(u.status, DeliveryStatus::kPending);
  EXPECT_EQ(u.attempts, 2);
  EXPECT_FALSE(u.next_attempt_at);
  EXPECT_FALSE(u.accounting);
}

TEST_F(OutcomeTest, PolicyFieldsComeFromTheEndpointThenTheAppThenTheServer) {
  auto app = std::make_shared<core::App>(*d_.app);
  app->failure_policy.disable_after_exhausted = 5;
  app->failure_policy.disable_on_gone = false;
  app->failure_policy.auto_recover_secs = 300;
  auto ep = std::make_shared<core::Endpoint>(*d_.endpoint);
  ep->failure_policy.disable_after_exhausted = 2;
  d_.app = app;
  d_.endpoint = ep;
  auto p = PolicyFor(d_, core::DefaultFailurePolicy());
  EXPECT_EQ(p.disable_after_exhausted, 2);
  EXPECT_EQ(p.disable_on_gone, false);
  EXPECT_EQ(p.disable_after_failing_secs, 5 * 86400);
  EXPECT_EQ(p.auto_recover_secs, 300);
}

TEST(FailureRecord, AccountsAndDisablesByTheRules) {
  core::TimePoint t{1'800'000'000s};
  core::EndpointHealth h;
  h = core::Account(h, AttemptOutcome::kFailed, t);
  EXPECT_EQ(h.failing_since, t);
  EXPECT_EQ(h.consecutive_exhausted, 0);
  h = core::Account(h, AttemptOutcome::kExhausted, t + 1h);
  EXPECT_EQ(h.failing_since, t);
  EXPECT_EQ(h.consecutive_exhausted, 1);
  EXPECT_FALSE(core::ShouldDisable(h, {2, 0, true}, t + 1h));
  EXPECT_TRUE(core::ShouldDisable(h, {1, 0, true}, t + 1h));
  EXPECT_TRUE(core::ShouldDisable(h, {0, 3600, true}, t + 1h));
  EXPECT_FALSE(core::ShouldDisable(h, {0, 0, true}, t + 100h));
  auto quiet = core::Account(h, AttemptOutcome::kFailed, t + 1h + core::kFailureStreakGap + 1s);
  EXPECT_EQ(quiet.failing_since, t + 1h + core::kFailureStreakGap + 1s);
  auto ok = core::Account(h, AttemptOutcome::kSucceeded, t + 2h);
  EXPECT_EQ(ok.consecutive_exhausted, 0);
  EXPECT_FALSE(ok.failing_since);
}

}  // namespace
}  // namespace hookd::delivery
