// The background-task part of the store contract, run against every implementation: steps that
// move a cursor through an endpoint's messages in bounded commits, each task kind's selection,
// leases between nodes, and finishing once with its operational event.
#include <boost/json.hpp>

#include "core/ops_events.h"
#include "store_fixture.h"

namespace hookd::store {
namespace {

using core::DeliveryStatus;
using core::ErrorCode;

class TaskStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    app_ = *Create(MakeApp());
    ep_ = AddEndpoint();
  }
  core::Endpoint AddEndpoint(bool disabled = false) {
    auto ep = MakeEndpoint(app_.id);
    ep.event_types.reset();
    ep.disabled = disabled;
    EXPECT_TRUE(Wait<core::Endpoint>(
        [&](Done<core::Endpoint> d) { store_->CreateEndpoint(ep, std::nullopt, {}, d); }));
    return ep;
  }
  ClaimBatch ClaimDeliveries() {
    ClaimRequest r;
    r.node = "engine";
    r.now = clock_.Now();
    r.lease_until = r.now + 30s;
    return *Wait<ClaimBatch>([&](Done<ClaimBatch> d) { store_->ClaimDue(std::move(r), d); });
  }
  // Posts `n` messages and records their one attempt: status 200, or 500 for those in `failed`.
  std::vector<std::string> Delivered(int n, std::set<int> failed = {}) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      auto m = MakeMessage(app_.id);
      EXPECT_TRUE(Post(m));
      ids.push_back(m.id);
      clock_.Advance(1ms);
    }
    for (const auto& d : ClaimDeliveries().claimed) {
      int i = std::find(ids.begin(), ids.end(), d.msg_id) - ids.begin();
      auto status = failed.contains(i) ? DeliveryStatus::kFail : DeliveryStatus::kSuccess;
      core::DeliveryUpdate u{d.msg_id, d.endpoint_id, status, 1, std::nullopt};
      u.node = "engine";
      EXPECT_TRUE(
          Wait<void>([&](Done<void> done) { store_->RecordOutcome(std::nullopt, u, done); }));
    }
    return ids;
  }
  BackgroundTask NewTask(TaskKind kind, core::TimePoint since) {
    BackgroundTask t;
    t.id = core::NewId("qtask", clock_);
    t.app_id = app_.id;
    t.kind = kind;
    t.spec.endpoint_id = ep_.id;
    t.spec.since = since;
    if (kind == TaskKind::kRecover) t.spec.status = DeliveryStatus::kFail;
    t.created_at = t.updated_at = clock_.Now();
    EXPECT_TRUE(Wait<BackgroundTask>(
        [&](Done<BackgroundTask> d) { store_->CreateTask(t, std::nullopt, d); }));
    return t;
  }
  std::optional<BackgroundTask> ClaimTask(const std::string& node) {
    auto r = Wait<std::optional<BackgroundTask>>([&](Done<std::optional<BackgroundTask>> d) {
      store_->ClaimTask(node, clock_.Now(), clock_.Now() + 30s, d);
    });
    EXPECT_TRUE(r);
    return r ? *r : std::nullopt;
  }
  Result<TaskStep> Step(const BackgroundTask& t, const std::string& node, size_t limit) {
    return Wait<TaskStep>([&](Done<TaskStep> d) {
      store_->StepTask(t, node, clock_.Now(), clock_.Now() + 30s, limit, d);
    });
  }
  // Runs `t` to its end in steps of `limit` as `node`; the deliveries made due, in order.
  std::vector<std::string> RunToEnd(BackgroundTask t, const std::string& node, size_t limit) {
    for (int i = 0; i < 100; ++i) {
      auto step = Step(t, node, limit);
      EXPECT_TRUE(step) << step.error().detail;
      if (!step) break;
      t = step->task;
      if (step->at_end) break;
    }
    std::vector<std::string> due;
    for (const auto& d : ClaimDeliveries().claimed) due.push_back(d.msg_id);
    last_ = t;
    return due;
  }

  core::App app_;
  core::Endpoint ep_;
  BackgroundTask last_;
};

TEST_P(TaskStoreTest, BulkReplayStepsThroughTheEndpointsMessagesAndFinishesOnce) {
  auto before = Delivered(1);  // before `since`: not replayed
  clock_.Advance(1s);
  auto since = clock_.Now();
  auto ids = Delivered(5, {1, 3});
  auto task = NewTask(TaskKind::kBulkReplay, since);
  auto claimed = ClaimTask("n1");
  ASSERT_TRUE(claimed);
  EXPECT_EQ(claimed->id, task.id);

  auto first = Step(*claimed, "n1", 2);
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->at_end);
  EXPECT_EQ(first->task.sent, 2);
  EXPECT_EQ(first->task.cursor, ids[1]);
  EXPECT_EQ(store_->GetTask(task.id)->cursor, ids[1]);  // durable: a restart goes on from here
  EXPECT_EQ(RunToEnd(first->task, "n1", 2),
            std::vector<std::string>(ids.begin(), ids.end()));  // every one, in order
  EXPECT_EQ(last_.sent, 5);

  auto event = core::BackgroundTaskFinishedEvent(
      app_.id, task.id, "endpoint.bulk-replay", "finished", last_.sent, core::NewId("msg", clock_));
  ASSERT_TRUE(
      Wait<void>([&](Done<void> d) { store_->FinishTask(last_, "n1", clock_.Now(), event, d); }));
  auto done = store_->GetTask(task.id);
  EXPECT_EQ(done->status, TaskStatus::kFinished);
  EXPECT_EQ(done->sent, 5);
  auto again =
      Wait<void>([&](Done<void> d) { store_->FinishTask(last_, "n1", clock_.Now(), event, d); });
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kLeaseLost);
  auto events = store_->ListMessages(core::kOperationsAppId,
                                     {.event_types = {"background_task.finished"}}, {});
  ASSERT_EQ(events->data.size(), 1u);
  auto data = boost::json::parse(events->data[0].payload).at("data");
  EXPECT_EQ(data.at("taskId").as_string(), task.id);
  EXPECT_EQ(data.at("data").at("messagesSent").as_int64(), 5);
  EXPECT_FALSE(ClaimTask("n1"));  // finished: nothing to claim
  (void)before;
}

TEST_P(TaskStoreTest, RecoverGoesThroughFailedDeliveriesOnly) {
  auto since = clock_.Now();
  auto ids = Delivered(6, {0, 4});
  NewTask(TaskKind::kRecover, since);
  EXPECT_EQ(RunToEnd(*ClaimTask("n1"), "n1", 1), (std::vector<std::string>{ids[0], ids[4]}));
  EXPECT_EQ(last_.sent, 2);
}

TEST_P(TaskStoreTest, ReplayMissingSendsWhatTheEndpointNeverGot) {
  auto since = clock_.Now();
  auto had = Delivered(2);
  auto late = AddEndpoint();  // created after those messages: it has none of them
  auto mine = MakeMessage(app_.id);
  clock_.Advance(1ms);
  ASSERT_TRUE(Post(mine));  // it has this one already
  ClaimDeliveries();
  ep_ = late;
  NewTask(TaskKind::kReplayMissing, since);
  auto due = RunToEnd(*ClaimTask("n1"), "n1", 1);
  EXPECT_EQ(due, had);
  EXPECT_EQ(last_.sent, 2);
}

TEST_P(TaskStoreTest, HeldDeliveriesStayHeld) {
  auto since = clock_.Now();
  Delivered(2, {0, 1});
  auto disabled = ep_;
  disabled.disabled = true;
  ASSERT_TRUE(Wait<core::Endpoint>(
      [&](Done<core::Endpoint> d) { store_->UpdateEndpoint(disabled, std::nullopt, {}, d); }));
  auto held = MakeMessage(app_.id);
  ASSERT_TRUE(Post(held));
  NewTask(TaskKind::kBulkReplay, since);
  EXPECT_EQ(RunToEnd(*ClaimTask("n1"), "n1", 10).size(), 2u);
  auto view = store_->ListMessageDestinations(app_.id, held.id, {});
  EXPECT_FALSE(view->data[0].next_attempt_at);
}

TEST_P(TaskStoreTest, ATaskIsOneNodesUntilItsLeaseRunsOut) {
  Delivered(3, {0, 1, 2});
  auto task = NewTask(TaskKind::kRecover, core::TimePoint{});
  auto mine = ClaimTask("n1");
  ASSERT_TRUE(mine);
  EXPECT_FALSE(ClaimTask("n2"));
  ASSERT_TRUE(Step(*mine, "n1", 1));
  clock_.Advance(31s);  // n1 stopped stepping: its lease ran out
  auto taken = ClaimTask("n2");
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->sent, 1);  // goes on from the cursor
  auto late = Step(*mine, "n1", 1);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kLeaseLost);
  RunToEnd(*taken, "n2", 1);
  EXPECT_EQ(last_.sent, 3);
}

TEST_P(TaskStoreTest, TasksAreListedByAppStatusAndKind) {
  auto a = NewTask(TaskKind::kRecover, clock_.Now());
  auto b = NewTask(TaskKind::kBulkReplay, clock_.Now());
  auto other = *Create(MakeApp());
  EXPECT_EQ(store_->ListTasks({.app_id = app_.id}, {})->data.size(), 2u);
  EXPECT_TRUE(store_->ListTasks({.app_id = other.id}, {})->data.empty());
  auto recover = store_->ListTasks({.kind = TaskKind::kRecover}, {});
  ASSERT_EQ(recover->data.size(), 1u);
  EXPECT_EQ(recover->data[0].id, a.id);
  EXPECT_EQ(store_->ListTasks({.status = TaskStatus::kRunning}, {})->data.size(), 2u);
  EXPECT_TRUE(store_->ListTasks({.status = TaskStatus::kFinished}, {})->data.empty());
  EXPECT_EQ(store_->GetTask(b.id)->spec.endpoint_id, ep_.id);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, TaskStoreTest, ::testing::ValuesIn(Backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace hookd::store
