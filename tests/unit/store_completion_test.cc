// The completion contract (batch_store.h) on every backend, with the injected clock: a tracked
// message is complete once, when its last delivery is final; untracked messages cost nothing; a
// batch completes once its expected members are complete, and takes no member once closed.
#include <boost/json.hpp>
#include <map>

#include "core/completion.h"
#include "core/ops_events.h"
#include "store_fixture.h"

namespace hookd::store {
namespace {

using core::DeliveryStatus;
using namespace std::chrono_literals;

class CompletionStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    app_ = *Create(MakeApp("acme"));
    a_ = AddEndpoint(app_.id);
    b_ = AddEndpoint(app_.id);
  }

  core::Endpoint AddEndpoint(const std::string& app_id,
                             std::optional<std::vector<std::string>> types = std::nullopt) {
    auto ep = MakeEndpoint(app_id);
    ep.event_types = std::move(types);
    EXPECT_TRUE(Wait<core::Endpoint>(
        [&](Done<core::Endpoint> d) { store_->CreateEndpoint(ep, std::nullopt, {}, d); }));
    return ep;
  }
  core::Message Tracked(std::optional<std::string> batch = std::nullopt) {
    auto m = MakeMessage(app_.id);
    m.batch_id = batch ? batch : std::optional<std::string>("solo-" + m.id.substr(4, 8));
    auto posted = Post(m);
    EXPECT_TRUE(posted);
    return posted ? *posted : m;
  }
  // Records the final outcome of `msg` at `ep` (attempted once, answered `code`).
  void Finish(const core::Message& msg, const core::Endpoint& ep, DeliveryStatus status, int code) {
    auto a = MakeAttempt(app_.id, msg.id, ep.id, code);
    core::DeliveryUpdate u{msg.id, ep.id, status, 1, std::nullopt};
    u.node = "n1";
    u.check_completion = msg.track_completion;
    ASSERT_TRUE(Wait<void>([&](Done<void> d) { store_->RecordOutcome(a, u, d); }));
  }
  int64_t Check() {
    auto n =
        Wait<int64_t>([&](Done<int64_t> d) { store_->CheckCompletions(clock_.Now(), 100, d); });
    EXPECT_TRUE(n);
    return n ? *n : -1;
  }
  core::App app_;
  core::Endpoint a_, b_;
};

TEST_P(CompletionStoreTest, ATrackedMessageIsCompleteOnceWhenItsLastDeliveryIsFinal) {
  auto ops = AddEndpoint(std::string(core::kOperationsAppId), {{"message.completed"}});
  auto m = Tracked();
  ASSERT_TRUE(m.track_completion);
  Finish(m, a_, DeliveryStatus::kSuccess, 200);
  EXPECT_EQ(Check(), 1);  // b is still pending
  EXPECT_FALSE(store_->GetCompletion(app_.id, m.id));
  Finish(m, b_, DeliveryStatus::kFail, 503);
  EXPECT_EQ(Check(), 1);
  auto c = store_->GetCompletion(app_.id, m.id);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, core::CompletionStatus::kFailed);
  ASSERT_EQ(c->destinations.size(), 2u);
  for (const auto& d : c->destinations) {
    EXPECT_EQ(d.attempts, 1);
    EXPECT_EQ(d.last_status, d.endpoint_id == a_.id ? 200 : 503);
  }
  // A second final outcome (a resend) queues it again; it is not completed again.
  Finish(m, a_, DeliveryStatus::kSuccess, 200);
  EXPECT_EQ(Check(), 1);
  EXPECT_EQ(Check(), 0);
  auto events = Events(core::ops::kMessageCompleted);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["data"].at("msgId").as_string(), m.id);
  EXPECT_EQ(events[0]["data"].at("status").as_string(), "failed");
}

TEST_P(CompletionStoreTest, UntrackedMessagesAreNeverQueued) {
  auto m = MakeMessage(app_.id);
  auto posted = Post(m);
  ASSERT_TRUE(posted);
  EXPECT_FALSE(posted->track_completion);  // no batch, no callback, nobody listens
  Finish(*posted, a_, DeliveryStatus::kSuccess, 200);
  Finish(*posted, b_, DeliveryStatus::kSuccess, 200);
  EXPECT_EQ(Check(), 0);
  EXPECT_FALSE(store_->GetCompletion(app_.id, m.id));
}

TEST_P(CompletionStoreTest, AMessageWithNoDestinationIsCompleteAtOnce) {
  auto empty = *Create(MakeApp());  // no endpoint
  auto m = MakeMessage(empty.id);
  m.batch_id = "b";
  ASSERT_TRUE(Post(m));
  EXPECT_EQ(Check(), 1);
  auto c = store_->GetCompletion(empty.id, m.id);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, core::CompletionStatus::kSucceeded);
  EXPECT_TRUE(c->destinations.empty());
}

TEST_P(CompletionStoreTest, ABatchCompletesOnceWhenItsClosedMembersAreComplete) {
  std::vector<core::Message> members;
  for (int i = 0; i < 3; ++i) members.push_back(Tracked("camp"));
  for (const auto& m : members) Finish(m, a_, DeliveryStatus::kSuccess, 200);
  Finish(members[0], b_, DeliveryStatus::kSuccess, 200);
  Finish(members[1], b_, DeliveryStatus::kFail, 500);
  Check();
  auto open = store_->GetBatch(app_.id, "camp");
  ASSERT_TRUE(open);
  EXPECT_EQ(open->messages, 3);
  EXPECT_EQ(open->completed(), 2);
  EXPECT_FALSE(open->completed_at);  // not closed: more may join

  auto closed = Wait<core::Batch>(
      [&](Done<core::Batch> d) { store_->CloseBatch(app_.id, "camp", clock_.Now(), d); });
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->expected, 3);
  auto late = MakeMessage(app_.id);
  late.batch_id = "camp";
  auto refused = Post(late);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, core::ErrorCode::kConflict);
  Check();
  EXPECT_FALSE(store_->GetBatch(app_.id, "camp")->completed_at);
  EXPECT_TRUE(Events(core::ops::kBatchCompleted).empty());

  // The last member ends killed.
  auto kill = Wait<KillResult>(
      [&](Done<KillResult> d) { store_->KillDeliveries(members[2], "acme", clock_.Now(), d); });
  ASSERT_TRUE(kill);
  EXPECT_EQ(kill->killed, std::vector<std::string>{b_.id});
  Check();
  auto done = store_->GetBatch(app_.id, "camp");
  ASSERT_TRUE(done->completed_at);
  EXPECT_EQ(done->succeeded, 1);
  EXPECT_EQ(done->failed, 1);
  EXPECT_EQ(done->killed, 1);
  auto events = Events(core::ops::kBatchCompleted);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["data"].at("batchId").as_string(), "camp");
  EXPECT_EQ(events[0]["data"].at("appUid").as_string(), "acme");
  EXPECT_EQ(events[0]["data"].at("messages").as_int64(), 3);
  Check();
  EXPECT_EQ(Events(core::ops::kBatchCompleted).size(), 1u);

  auto page = store_->ListBatchMembers(app_.id, "camp", {.limit = 2});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->data.size(), 2u);
  EXPECT_FALSE(page->done);
  EXPECT_EQ(page->data[0].message.id, members[0].id);
  ASSERT_TRUE(page->data[0].completion);
  EXPECT_EQ(page->data[0].completion->status, core::CompletionStatus::kSucceeded);
  EXPECT_EQ(page->data[1].completion->status, core::CompletionStatus::kFailed);
  EXPECT_EQ(page->data[1].destinations.size(), 2u);
}

TEST_P(CompletionStoreTest, ABatchWithAnExpectedCountCompletesWithoutClosing) {
  core::Batch b;
  b.app_id = app_.id;
  b.id = "two";
  b.expected = 2;
  b.created_at = clock_.Now();
  ASSERT_TRUE(Wait<core::Batch>(
      [&](Done<core::Batch> d) { store_->CreateBatch(b, std::nullopt, std::nullopt, d); }));
  auto dup = Wait<core::Batch>(
      [&](Done<core::Batch> d) { store_->CreateBatch(b, std::nullopt, std::nullopt, d); });
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, core::ErrorCode::kConflict);
  for (int i = 0; i < 2; ++i) {
    auto m = Tracked("two");
    Finish(m, a_, DeliveryStatus::kSuccess, 200);
    Finish(m, b_, DeliveryStatus::kSuccess, 200);
  }
  Check();
  auto done = store_->GetBatch(app_.id, "two");
  ASSERT_TRUE(done->completed_at);
  EXPECT_EQ(done->succeeded, 2);
}

TEST_P(CompletionStoreTest, DeletingTheEndpointAMessageWaitedForCompletesIt) {
  auto m = Tracked();
  Finish(m, a_, DeliveryStatus::kSuccess, 200);
  Check();
  ASSERT_TRUE(Wait<void>([&](Done<void> d) { store_->DeleteEndpoint(app_.id, b_.id, {}, d); }));
  Check();
  auto c = store_->GetCompletion(app_.id, m.id);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->destinations.size(), 1u);
}

TEST_P(CompletionStoreTest, ADeletedEndpointStaysAmongTheDestinationsItWasAttemptedFor) {
  auto c = AddEndpoint(app_.id);
  auto m = Tracked();
  Finish(m, a_, DeliveryStatus::kSuccess, 200);
  // c: attempted once, a retry due later.
  auto a = MakeAttempt(app_.id, m.id, c.id, 500);
  core::DeliveryUpdate retry{m.id, c.id, DeliveryStatus::kPending, 1, clock_.Now() + 1h};
  retry.node = "n1";
  ASSERT_TRUE(Wait<void>([&](Done<void> d) { store_->RecordOutcome(a, retry, d); }));
  for (const auto* ep : {&a_, &b_, &c})
    ASSERT_TRUE(Wait<void>([&](Done<void> d) { store_->DeleteEndpoint(app_.id, ep->id, {}, d); }));

  auto dest = store_->ListMessageDestinations(app_.id, m.id, {});
  ASSERT_TRUE(dest);
  std::map<std::string, DeliveryStatus> by_endpoint;
  for (const auto& v : dest->data) by_endpoint[v.endpoint.id] = v.status;
  // b was never attempted: gone; a keeps its success, c's pending retry is canceled.
  EXPECT_EQ(by_endpoint,
            (std::map<std::string, DeliveryStatus>{{a_.id, DeliveryStatus::kSuccess},
                                                   {c.id, DeliveryStatus::kCanceled}}));
  AttemptFilter filter;
  filter.msg_id = m.id;
  EXPECT_EQ(store_->ListAttempts(app_.id, filter, {})->data.size(), 2u);
  EXPECT_TRUE(store_->ListEndpoints(app_.id, {})->data.empty());
  EXPECT_TRUE(store_->GetEndpoint(app_.id, a_.id)->ephemeral) << "kept, hidden";
  EXPECT_EQ(store_->GetEndpoint(app_.id, b_.id).error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(
      Wait<void>([&](Done<void> d) { store_->DeleteEndpoint(app_.id, a_.id, {}, d); }).error().code,
      core::ErrorCode::kNotFound);
  // New messages do not go to deleted endpoints.
  auto m2 = Tracked();
  EXPECT_TRUE(store_->ListMessageDestinations(app_.id, m2.id, {})->data.empty());
}

INSTANTIATE_TEST_SUITE_P(AllBackends, CompletionStoreTest, ::testing::ValuesIn(Backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace hookd::store
