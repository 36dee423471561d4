// The delivery engine against a real SQLite store and a real HTTP receiver on loopback, with an
// injected clock: retry timing is checked by moving time, never by sleeping through delays.
#include "delivery/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "core/ids.h"
#include "fake_receiver.h"
#include "store/sqlite/sqlite_store.h"

namespace hookd::delivery {
namespace {

using namespace std::chrono_literals;
using core::DeliveryStatus;
using testing::FakeReceiver;
using testing::ScriptedReply;
using testing::WaitFor;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("hookd-engine-" + core::NewId("t").substr(2));
    store_ = store::sqlite::MakeSqliteStore({.path = (dir_ / "hookd.db").string()}, clock_);
  }
  void TearDown() override {
    if (engine_) engine_->Stop();
    store_->Close();
    std::filesystem::remove_all(dir_);
  }

  void Start(EngineOptions options = {}) {
    options.allowed_networks = {"127.0.0.0/8"};
    if (options.scan_interval == EngineOptions{}.scan_interval) options.scan_interval = 5ms;
    if (options.retry.schedule.size() == 7) options.retry.schedule = {5s, 300s};
    engine_ = std::make_unique<Engine>(*store_, clock_, random_, options);
    engine_->AttachToStore();
    ASSERT_TRUE(store_->Init());
    ASSERT_TRUE(engine_->Start());
    app_ = core::App{core::NewId("app", clock_),
                     std::nullopt,
                     "A",
                     std::nullopt,
                     {},
                     clock_.Now(),
                     clock_.Now()};
    ASSERT_TRUE(store::Wait<core::App>(
        [&](store::Done<core::App> d) { store_->CreateApp(app_, std::nullopt, d); }));
  }

  core::Endpoint AddEndpoint(const std::string& url, std::optional<int> throttle = std::nullopt) {
    core::Endpoint ep;
    ep.id = core::NewId("ep", clock_);
    ep.app_id = app_.id;
    ep.url = url;
    ep.throttle_rate = throttle;
    ep.secrets = {{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", std::nullopt}};
    ep.created_at = ep.updated_at = clock_.Now();
    EXPECT_TRUE(store::Wait<core::Endpoint>(
        [&](store::Done<core::Endpoint> d) { store_->CreateEndpoint(ep, std::nullopt, {}, d); }));
    return ep;
  }

  core::Message NewMessage() {
    return {core::NewId("msg", clock_),
            app_.id,
            std::nullopt,
            "a.b",
            R"({"n":1})",
            std::nullopt,
            std::nullopt,
            clock_.Now()};
  }

  std::string Post() {
    core::Message m = NewMessage();
    EXPECT_TRUE(store::Wait<core::Message>(
        [&](store::Done<core::Message> d) { store_->CreateMessage(m, std::nullopt, {}, d); }));
    return m.id;
  }

  store::DeliveryView Delivery(const std::string& msg_id) {
    auto page = store_->ListMessageDestinations(app_.id, msg_id, {});
    EXPECT_TRUE(page && page->data.size() == 1);
    return page->data.at(0);
  }

  // Waits until the engine has finished `n` more scans, so "nothing happened" is observed
  // after the engine had every chance to act.
  void LetEngineScan(int n = 3) {
    auto target = engine_->Stats().scans + n;
    ASSERT_TRUE(WaitFor([&] { return engine_->Stats().scans >= target; }));
  }

  core::FakeClock clock_{core::TimePoint(1'800'000'000s)};
  core::FixedRandom random_{0.5};  // no jitter
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Engine> engine_;
  core::App app_;
  FakeReceiver receiver_;
};

TEST_F(EngineTest, DeliversSignedRequestOnce) {
  Start();
  auto ep = AddEndpoint(receiver_.Url("/ok"));
  auto msg = Post();
  ASSERT_TRUE(WaitFor([&] { return Delivery(msg).status == DeliveryStatus::kSuccess; }));
  auto seen = receiver_.Requests("/ok");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].body, R"({"n":1})");
  EXPECT_EQ(seen[0].headers["webhook-id"], msg);
  EXPECT_EQ(seen[0].headers["webhook-timestamp"], "1800000000");
  EXPECT_TRUE(seen[0].headers["webhook-signature"].starts_with("v1,"));
  EXPECT_EQ(seen[0].headers["content-type"], "application/json");
  auto attempts = store_->ListAttempts(app_.id, {.msg_id = msg}, {});
  ASSERT_EQ(attempts->data.size(), 1u);
  EXPECT_EQ(attempts->data[0].response_status, 200);
  EXPECT_EQ(attempts->data[0].status, DeliveryStatus::kSuccess);
}

TEST_F(EngineTest, RetriesFollowTheScheduleOnTheInjectedClock) {
  Start();
  receiver_.Script("/flaky", {{500}, {500}, {200}});
  AddEndpoint(receiver_.Url("/flaky"));
  auto t0 = clock_.Now();
  auto msg = Post();
  ASSERT_TRUE(WaitFor([&] { return Delivery(msg).status == DeliveryStatus::kSending; }));
  EXPECT_EQ(Delivery(msg).next_attempt_at, t0 + 5s);

  clock_.Advance(4900ms);  // not yet due
  LetEngineScan();
  EXPECT_EQ(receiver_.Count("/flaky"), 1u);

  clock_.Advance(100ms);  // due: second attempt, then 300 s
  ASSERT_TRUE(WaitFor([&] { return receiver_.Count("/flaky") == 2; }));
  ASSERT_TRUE(WaitFor([&] { return Delivery(msg).next_attempt_at == t0 + 5s + 300s; }));

  clock_.Advance(300s);
  ASSERT_TRUE(WaitFor([&] { return Delivery(msg).status == DeliveryStatus::kSuccess; }));
  auto seen = receiver_.Requests("/flaky");
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].headers["webhook-id"], seen[2].headers["webhook-id"]);
  EXPECT_EQ(store_->ListAttempts(app_.id, {.msg_id = msg}, {})->data.size(), 3u);
}

TEST_F(EngineTest, ExhaustedScheduleFailsTheDelivery) {
  Start();
  receiver_.Script("/down", {{503}});
  AddEndpoint(receiver_.Url("/down"));
  auto t0 = clock_.Now();
  auto msg = Post();
  // Move time only once each outcome is recorded, so the next retry is computed from t0.
  ASSERT_TRUE(WaitFor([&] { return Delivery(msg).next_attempt_at == t0 + 5s; }));
  clock_.Advance(5s);
  ASSERT_TRUE(WaitFor([&] { return Delivery(msg).next_attempt_at == t0 + 305s; }));
  clock_.Advance(300s);
  ASSERT_TRUE(WaitFor([&] { return Delivery(msg).status == DeliveryStatus::kFail; }));
  EXPECT_EQ(receiver_.Count("/down"), 3u);
  EXPECT_FALSE(Delivery(msg).next_attempt_at.has_value());
  EXPECT_EQ(engine_->Stats().deliveries_exhausted, 1u);
}

TEST_F(EngineTest, RetryAfterReplacesTheScheduledDelay) {
  Start();
  receiver_.Script("/busy", {{429, {{"Retry-After", "120"}}}, {200}});
  AddEndpoint(receiver_.Url("/busy"));
  auto t0 = clock_.Now();
  auto msg = Post();
  ASSERT_TRUE(WaitFor([&] { return Delivery(msg).status == DeliveryStatus::kSending; }));
  EXPECT_EQ(Delivery(msg).next_attempt_at, t0 + 120s);
  clock_.Advance(120s);
  ASSERT_TRUE(WaitFor([&] { return Delivery(msg).status == DeliveryStatus::kSuccess; }));
}

TEST_F(EngineTest, GoneDisablesTheEndpoint) {
  Start();
  receiver_.Script("/gone", {{410}});
  auto ep = AddEndpoint(receiver_.Url("/gone"));
  auto msg = Post();
  ASSERT_TRUE(WaitFor([&] { return Delivery(msg).status == DeliveryStatus::kFail; }));
  EXPECT_TRUE(store_->GetEndpoint(app_.id, ep.id)->disabled);
  Post();  // a disabled endpoint gets no new deliveries
  LetEngineScan();
  EXPECT_EQ(receiver_.Count("/gone"), 1u);
}

TEST_F(EngineTest, ThrottleRateLimitsSendsPerSecondOfInjectedTime) {
  Start();
  AddEndpoint(receiver_.Url("/slowly"), /*throttle=*/2);
  for (int i = 0; i < 6; ++i) Post();
  ASSERT_TRUE(WaitFor([&] { return receiver_.Count("/slowly") == 2; }));
  LetEngineScan();
  EXPECT_EQ(receiver_.Count("/slowly"), 2u);  // the clock stands still: no new tokens
  clock_.Advance(1s);
  ASSERT_TRUE(WaitFor([&] { return receiver_.Count("/slowly") == 4; }));
  LetEngineScan();
  EXPECT_EQ(receiver_.Count("/slowly"), 4u);
  clock_.Advance(1s);
  ASSERT_TRUE(WaitFor([&] { return receiver_.Count("/slowly") == 6; }));
}

TEST_F(EngineTest, TwoNodesShareAThrottleRate) {
  Start();
  // A second node: its own store object and engine on the same database.
  auto second_store =
      store::sqlite::MakeSqliteStore({.path = (dir_ / "hookd.db").string()}, clock_);
  Engine second(*second_store, clock_, random_,
                EngineOptions{.scan_interval = 5ms, .allowed_networks = {"127.0.0.0/8"}});
  second.AttachToStore();
  ASSERT_TRUE(second_store->Init());
  ASSERT_TRUE(second.Start());
  // The second node's first renewal sees the first node; the first node's next one sees both.
  ASSERT_TRUE(WaitFor([&] { return second.Stats().live_nodes == 2; }));
  clock_.Advance(11s);
  ASSERT_TRUE(WaitFor([&] { return engine_->Stats().live_nodes == 2; }));
  AddEndpoint(receiver_.Url("/shared"), /*throttle=*/4);
  for (int i = 0; i < 12; ++i) Post();
  ASSERT_TRUE(WaitFor([&] { return receiver_.Count("/shared") == 4; }));
  LetEngineScan();
  EXPECT_EQ(receiver_.Count("/shared"), 4u);  // 2 tokens on each node, not 4
  clock_.Advance(1s);
  ASSERT_TRUE(WaitFor([&] { return receiver_.Count("/shared") == 8; }));
  LetEngineScan();
  EXPECT_EQ(receiver_.Count("/shared"), 8u);
  second.Stop();
  second_store->Close();
}

TEST_F(EngineTest, HangingEndpointIsCappedAndDoesNotDelayOthers) {
  EngineOptions options;
  options.endpoint_concurrency = 4;
  options.attempt_timeout = 60s;
  Start(options);
  receiver_.Script("/hang", {{.hang = true}});
  AddEndpoint(receiver_.Url("/hang"));
  AddEndpoint(receiver_.Url("/healthy"));
  for (int i = 0; i < 40; ++i) Post();
  ASSERT_TRUE(WaitFor([&] { return receiver_.Count("/healthy") == 40; }));
  EXPECT_EQ(receiver_.Count("/hang"), 4u);  // capped
  EXPECT_EQ(receiver_.MaxConcurrent("/hang"), 4);
}

TEST_F(EngineTest, OneTenantsHangingEndpointsHoldOnlyItsShareOfWindowAndRequests) {
  EngineOptions options;
  options.window = 40;
  options.app_window = 12;
  options.endpoint_queue = 4;
  options.endpoint_concurrency = 2;
  options.app_in_flight = 8;
  options.attempt_timeout = 60s;
  Start(options);
  receiver_.Script("/hang", {{.hang = true}});
  for (int i = 0; i < 6; ++i) AddEndpoint(receiver_.Url("/hang"));
  for (int i = 0; i < 50; ++i) Post();  // 300 deliveries that will hang
  ASSERT_TRUE(WaitFor([&] { return receiver_.Count("/hang") >= 8; }));

  core::App victim{
      core::NewId("app", clock_), std::nullopt, "B", std::nullopt, {}, clock_.Now(), clock_.Now()};
  ASSERT_TRUE(store::Wait<core::App>(
      [&](store::Done<core::App> d) { store_->CreateApp(victim, std::nullopt, d); }));
  std::swap(app_, victim);
  AddEndpoint(receiver_.Url("/victim"));
  Post();
  std::swap(app_, victim);
  // Arrives while every request of the first tenant still hangs (they time out after 60 s).
  ASSERT_TRUE(WaitFor([&] { return receiver_.Count("/victim") == 1; }));
  EXPECT_LE(engine_->Stats().window, 12u + 1u);
  EXPECT_EQ(receiver_.Count("/hang"), 8u);  // the app's share of requests in flight
}

TEST_F(EngineTest, WindowBoundsMemoryAndTheBacklogDrainsFromTheStore) {
  EngineOptions options;
  options.window = 20;
  options.endpoint_queue = 10;
  options.scan_batch = 7;
  Start(options);
  AddEndpoint(receiver_.Url("/bulk"));
  uint64_t max_window = 0;
  for (int i = 0; i < 200; ++i) {
    Post();
    max_window = std::max(max_window, engine_->Stats().window);
  }
  ASSERT_TRUE(WaitFor([&] {
    max_window = std::max(max_window, engine_->Stats().window);
    return receiver_.Count("/bulk") >= 200;
  }));
  EXPECT_LE(max_window, 20u);
  std::set<std::string> ids;
  for (const auto& r : receiver_.Requests("/bulk")) ids.insert(r.headers.at("webhook-id"));
  EXPECT_EQ(ids.size(), 200u);
}

// Deliveries beyond the endpoint's share are left in the store; they are claimed as the share
// drains, not at the next periodic sweep (an hour away here).
TEST_F(EngineTest, ABacklogBeyondTheEndpointsShareDrainsWithoutWaitingForTheNextScan) {
  EngineOptions options;
  options.window = 40;
  options.endpoint_queue = 10;
  options.scan_interval = 1h;
  Start(options);
  AddEndpoint(receiver_.Url("/bulk"));
  std::atomic<int> created = 0;
  for (int i = 0; i < 100; ++i) {  // not waiting for each: they commit together
    store_->CreateMessage(NewMessage(), std::nullopt, {}, [&](core::Result<core::Message> r) {
      if (r) ++created;
    });
  }
  ASSERT_TRUE(WaitFor([&] { return created == 100; }));
  ASSERT_TRUE(WaitFor([&] { return receiver_.Count("/bulk") >= 100; }));
  std::set<std::string> ids;
  for (const auto& r : receiver_.Requests("/bulk")) ids.insert(r.headers.at("webhook-id"));
  EXPECT_EQ(ids.size(), 100u);
}

// Commits made a moment apart are claimed together: a claim starts at most once per
// claim_interval, however many commits wake the engine meanwhile.
TEST_F(EngineTest, CommitsWithinAClaimIntervalShareAClaim) {
  EngineOptions options;
  options.scan_interval = 1h;
  options.claim_interval = 300ms;
  Start(options);
  AddEndpoint(receiver_.Url("/paced"));
  ASSERT_TRUE(WaitFor([&] { return engine_->Stats().scans >= 1; }));  // the sweep at start
  auto claims = engine_->Stats().scans;
  for (int i = 0; i < 20; ++i) Post();  // one commit each, each waking the engine
  ASSERT_TRUE(WaitFor([&] { return receiver_.Count("/paced") >= 20; }));
  EXPECT_LE(engine_->Stats().scans - claims, 3u);
}

TEST_F(EngineTest, PendingDeliveriesResumeAfterRestart) {
  Start();
  receiver_.Script("/later", {{500}, {200}});
  AddEndpoint(receiver_.Url("/later"));
  auto msg = Post();
  ASSERT_TRUE(WaitFor([&] { return Delivery(msg).status == DeliveryStatus::kSending; }));
  engine_->Stop();
  store_->Close();
  // A new process: same database, fresh engine.
  store_ = store::sqlite::MakeSqliteStore({.path = (dir_ / "hookd.db").string()}, clock_);
  engine_ = std::make_unique<Engine>(
      *store_, clock_, random_,
      EngineOptions{.scan_interval = 5ms, .allowed_networks = {"127.0.0.0/8"}});
  engine_->AttachToStore();
  ASSERT_TRUE(store_->Init());
  ASSERT_TRUE(engine_->Start());
  clock_.Advance(6s);
  ASSERT_TRUE(WaitFor([&] { return Delivery(msg).status == DeliveryStatus::kSuccess; }));
  EXPECT_EQ(receiver_.Count("/later"), 2u);
}

TEST_F(EngineTest, LoopbackIsRefusedWithoutAnAllowlist) {
  ASSERT_TRUE(store_->Init());
  EngineOptions options;
  options.scan_interval = 5ms;
  engine_ = std::make_unique<Engine>(*store_, clock_, random_, options);  // no allowed networks
  engine_->AttachToStore();
  ASSERT_TRUE(engine_->Start());
  app_ = core::App{
      core::NewId("app", clock_), std::nullopt, "A", std::nullopt, {}, clock_.Now(), clock_.Now()};
  ASSERT_TRUE(store::Wait<core::App>(
      [&](store::Done<core::App> d) { store_->CreateApp(app_, std::nullopt, d); }));
  AddEndpoint(receiver_.Url("/private"));
  auto msg = Post();
  ASSERT_TRUE(WaitFor([&] { return Delivery(msg).status == DeliveryStatus::kSending; }));
  auto attempts = store_->ListAttempts(app_.id, {.msg_id = msg}, {});
  ASSERT_EQ(attempts->data.size(), 1u);
  EXPECT_EQ(attempts->data[0].error, "ssrf");
  EXPECT_EQ(attempts->data[0].response_status, 0);
  EXPECT_EQ(receiver_.Count("/private"), 0u);
}

TEST(RetryPolicy, JitterStaysWithinTwentyPercent) {
  RetryPolicy p;
  core::FixedRandom low(0.0), mid(0.5), high(0.999999);
  EXPECT_EQ(*NextRetryDelay(p, 1, std::nullopt, low), 4000ms);
  EXPECT_EQ(*NextRetryDelay(p, 1, std::nullopt, mid), 5000ms);
  EXPECT_NEAR(NextRetryDelay(p, 1, std::nullopt, high)->count(), 6000, 1);
  EXPECT_EQ(*NextRetryDelay(p, 7, std::nullopt, mid), std::chrono::milliseconds(10h));
  EXPECT_FALSE(NextRetryDelay(p, 8, std::nullopt, mid).has_value());
  EXPECT_EQ(*NextRetryDelay(p, 1, 100000s, mid), std::chrono::milliseconds(6h));  // bounded
  EXPECT_EQ(*NextRetryDelay(p, 1, 0s, mid), 1000ms);
}

TEST(RetryPolicy, ParsesRetryAfterAndSchedules) {
  core::TimePoint now(1'800'000'000s);
  EXPECT_EQ(ParseRetryAfter("120", now), 120s);
  EXPECT_FALSE(ParseRetryAfter("soon", now).has_value());
  EXPECT_EQ(ParseRetryAfter("Fri, 15 Jan 2027 08:02:00 GMT", now), 120s);
  EXPECT_EQ(ParseRetryAfter("Fri, 15 Jan 2027 07:00:00 GMT", now), 0s);  // in the past
  EXPECT_EQ(*ParseSchedule("5s,5m,2h,10"),
            (std::vector<std::chrono::seconds>{5s, 300s, 7200s, 10s}));
  EXPECT_FALSE(ParseSchedule("5x").has_value());
  EXPECT_FALSE(ParseSchedule("5s,,6s").has_value());
}

}  // namespace
}  // namespace hookd::delivery
