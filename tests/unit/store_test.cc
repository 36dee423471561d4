// One suite for the Store interface, run against every implementation.
#include <map>
#include <set>

#include "store_fixture.h"

namespace hookd::store {
namespace {

using namespace std::chrono_literals;
using core::ErrorCode;

TEST_P(StoreTest, AppCrudByIdAndUid) {
  auto app = Create(MakeApp("shop"));
  ASSERT_TRUE(app);
  EXPECT_EQ(store_->GetApp(app->id)->name, "App");
  EXPECT_EQ(store_->GetApp("shop")->id, app->id);
  EXPECT_EQ(store_->GetApp("nope").error().code, ErrorCode::kNotFound);

  EXPECT_EQ(Create(MakeApp("shop")).error().code, ErrorCode::kConflict);

  app->name = "Renamed";
  app->metadata = {{"tier", "gold"}};
  auto updated = Wait<core::App>([&](Done<core::App> d) { store_->UpdateApp(*app, d); });
  ASSERT_TRUE(updated);
  EXPECT_EQ(store_->GetApp("shop")->name, "Renamed");
  EXPECT_EQ(store_->GetApp("shop")->metadata.at("tier"), "gold");

  auto missing = MakeApp();
  EXPECT_EQ(Wait<core::App>([&](Done<core::App> d) { store_->UpdateApp(missing, d); }).error().code,
            ErrorCode::kNotFound);
}

TEST_P(StoreTest, DeletingAnAppCascades) {
  auto app = Create(MakeApp());
  ASSERT_TRUE(app);
  auto ep = MakeEndpoint(app->id);
  ASSERT_TRUE(Wait<core::Endpoint>(
      [&](Done<core::Endpoint> d) { store_->CreateEndpoint(ep, std::nullopt, {}, d); }));
  auto msg = Post(MakeMessage(app->id));
  ASSERT_TRUE(msg);
  ASSERT_TRUE(Wait<void>([&](Done<void> d) { store_->DeleteApp(app->id, d); }));
  EXPECT_FALSE(store_->GetApp(app->id));
  EXPECT_FALSE(store_->GetEndpoint(app->id, ep.id));
  EXPECT_FALSE(store_->GetMessage(app->id, msg->id));
  EXPECT_EQ(Wait<void>([&](Done<void> d) { store_->DeleteApp(app->id, d); }).error().code,
            ErrorCode::kNotFound);
}

TEST_P(StoreTest, KeysetPaginationBothWaysBothOrders) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    auto app = Create(MakeApp());
    ASSERT_TRUE(app);
    ids.push_back(app->id);
    clock_.Advance(1ms);
  }
  auto names = [](const Page<core::App>& p) {
    std::vector<std::string> out;
    for (const auto& a : p.data) out.push_back(a.id);
    return out;
  };
  PageRequest req{.limit = 3};
  auto p1 = store_->ListApps(req);
  ASSERT_TRUE(p1);
  EXPECT_EQ(names(*p1), (std::vector<std::string>{ids[0], ids[1], ids[2]}));
  EXPECT_FALSE(p1->done);
  req.iterator = p1->iterator;
  auto p2 = store_->ListApps(req);
  EXPECT_EQ(names(*p2), (std::vector<std::string>{ids[3], ids[4], ids[5]}));
  req.iterator = p2->iterator;
  auto p3 = store_->ListApps(req);
  EXPECT_EQ(names(*p3), (std::vector<std::string>{ids[6]}));
  EXPECT_TRUE(p3->done);
  req.iterator = p3->prev_iterator;  // back to p2
  auto back = store_->ListApps(req);
  EXPECT_EQ(names(*back), names(*p2));

  PageRequest desc{.limit = 4, .descending = true};
  auto d1 = store_->ListApps(desc);
  EXPECT_EQ(names(*d1), (std::vector<std::string>{ids[6], ids[5], ids[4], ids[3]}));
  desc.iterator = d1->iterator;
  auto d2 = store_->ListApps(desc);
  EXPECT_EQ(names(*d2), (std::vector<std::string>{ids[2], ids[1], ids[0]}));
  EXPECT_TRUE(d2->done);
}

TEST_P(StoreTest, EventTypesArchiveAndDelete) {
  core::EventType et{core::NewId("evtype", clock_),
                     "user.created",
                     "A user",
                     false,
                     false,
                     R"({"1":{}})",
                     std::vector<std::string>{"beta"},
                     "users",
                     clock_.Now(),
                     clock_.Now()};
  ASSERT_TRUE(Wait<core::EventType>(
      [&](Done<core::EventType> d) { store_->CreateEventType(et, std::nullopt, d); }));
  EXPECT_EQ(Wait<core::EventType>(
                [&](Done<core::EventType> d) { store_->CreateEventType(et, std::nullopt, d); })
                .error()
                .code,
            ErrorCode::kConflict);
  auto got = store_->GetEventType("user.created");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->feature_flags, std::vector<std::string>{"beta"});
  got->archived = true;
  ASSERT_TRUE(Wait<core::EventType>(
      [&](Done<core::EventType> d) { store_->UpdateEventType(*got, std::nullopt, d); }));
  EXPECT_TRUE(store_->ListEventTypes({}, false)->data.empty());
  EXPECT_EQ(store_->ListEventTypes({}, true)->data.size(), 1u);
  ASSERT_TRUE(Wait<void>([&](Done<void> d) { store_->DeleteEventType("user.created", d); }));
  EXPECT_FALSE(store_->GetEventType("user.created"));
}

TEST_P(StoreTest, EndpointUidIsUniquePerApp) {
  auto a = Create(MakeApp());
  auto b = Create(MakeApp());
  auto create = [&](core::Endpoint e) {
    return Wait<core::Endpoint>(
        [&](Done<core::Endpoint> d) { store_->CreateEndpoint(e, std::nullopt, {}, d); });
  };
  auto ep = create(MakeEndpoint(a->id, "main"));
  ASSERT_TRUE(ep);
  EXPECT_EQ(create(MakeEndpoint(a->id, "main")).error().code, ErrorCode::kConflict);
  EXPECT_TRUE(create(MakeEndpoint(b->id, "main")));
  auto got = store_->GetEndpoint(a->id, "main");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, ep->id);
  EXPECT_EQ(got->headers.at("x-key"), "1");
  EXPECT_EQ(got->event_types, std::vector<std::string>{"a.b"});
  EXPECT_FALSE(store_->GetEndpoint(b->id, ep->id));  // not visible through another app
  EXPECT_EQ(store_->ListEndpoints(a->id, {})->data.size(), 1u);
}

TEST_P(StoreTest, SubscribedEndpointsAreExactlyTheFanOut) {
  auto app = Create(MakeApp());
  auto add = [&](std::optional<std::vector<std::string>> types,
                 std::optional<std::vector<std::string>> channels, bool disabled) {
    auto e = MakeEndpoint(app->id);
    e.event_types = std::move(types);
    e.channels = std::move(channels);
    e.disabled = disabled;
    EXPECT_TRUE(Wait<core::Endpoint>(
        [&](Done<core::Endpoint> d) { store_->CreateEndpoint(e, std::nullopt, {}, d); }));
    return e.id;
  };
  auto all = add(std::nullopt, std::nullopt, false);
  auto typed = add(std::vector<std::string>{"a.b"}, std::nullopt, false);
  add(std::vector<std::string>{"x.y"}, std::nullopt, false);  // other type
  auto chan = add(std::nullopt, std::vector<std::string>{"ch1", "ch9"}, false);
  add(std::nullopt, std::vector<std::string>{"ch2"}, false);  // other channel
  auto disabled = add(std::nullopt, std::nullopt, true);      // holds what it gets
  auto msg = MakeMessage(app->id);                            // type a.b, channels [ch1]
  auto subscribed = store_->ListSubscribedEndpoints(msg);
  ASSERT_TRUE(subscribed);
  std::set<std::string> ids;
  for (const auto& e : *subscribed) ids.insert(e.id);
  EXPECT_EQ(ids, (std::set<std::string>{all, typed, chan}));
  ASSERT_TRUE(Post(msg));
  std::set<std::string> fanned;
  auto rows = store_->ListMessageDestinations(app->id, msg.id, {.limit = 250});
  for (const auto& v : rows->data) {
    if (v.endpoint.id == disabled) {
      EXPECT_EQ(v.status, core::DeliveryStatus::kPending);
      EXPECT_FALSE(v.next_attempt_at);  // held, not due
      continue;
    }
    fanned.insert(v.endpoint.id);
  }
  EXPECT_EQ(fanned, ids);
}

// Each message is fanned out to the endpoints as they are when it is written, whatever was
// written before it (the SQLite writer plans fan-out from a cache of the app's endpoints).
TEST_P(StoreTest, TheFanOutFollowsEveryEndpointChangeAtOnce) {
  auto app = Create(MakeApp());
  auto destinations = [&]() -> std::map<std::string, bool> {  // endpoint -> due (not held)
    auto msg = Post(MakeMessage(app->id));
    EXPECT_TRUE(msg);
    std::map<std::string, bool> out;
    if (!msg) return out;
    auto page = store_->ListMessageDestinations(app->id, msg->id, {.limit = 250});
    for (const auto& v : page->data) out[v.endpoint.id] = v.next_attempt_at.has_value();
    return out;
  };
  auto write = [&](auto call) {
    ASSERT_TRUE(Wait<core::Endpoint>([&](Done<core::Endpoint> d) { call(d); }));
  };
  EXPECT_TRUE(destinations().empty());
  auto a = MakeEndpoint(app->id);
  write([&](auto d) { store_->CreateEndpoint(a, std::nullopt, {}, d); });
  EXPECT_EQ(destinations(), (std::map<std::string, bool>{{a.id, true}}));
  a.event_types = std::vector<std::string>{"x.y"};
  write([&](auto d) { store_->UpdateEndpoint(a, std::nullopt, {}, d); });
  EXPECT_TRUE(destinations().empty());
  a.event_types.reset();
  a.channels = std::vector<std::string>{"ch1"};
  a.disabled = true;
  write([&](auto d) { store_->UpdateEndpoint(a, std::nullopt, {}, d); });
  EXPECT_EQ(destinations(), (std::map<std::string, bool>{{a.id, false}}));  // held
  auto b = MakeEndpoint(app->id);
  b.event_types.reset();
  write([&](auto d) { store_->CreateEndpoint(b, std::nullopt, {}, d); });
  a.disabled = false;
  write([&](auto d) { store_->UpdateEndpoint(a, std::nullopt, {}, d); });
  EXPECT_EQ(destinations(), (std::map<std::string, bool>{{a.id, true}, {b.id, true}}));
  ASSERT_TRUE(
      Wait<void>([&](Done<void> d) { store_->DeleteEndpoint(app->id, a.id, {}, std::move(d)); }));
  EXPECT_EQ(destinations(), (std::map<std::string, bool>{{b.id, true}}));
}

TEST_P(StoreTest, MessagesFilterAndExpunge) {
  auto app = Create(MakeApp());
  auto m1 = Post(MakeMessage(app->id, "a.b", "evt-1"));
  clock_.Advance(1s);
  auto cut = clock_.Now();
  clock_.Advance(1s);
  auto m2 = Post(MakeMessage(app->id, "c.d"));
  ASSERT_TRUE(m1 && m2);
  EXPECT_EQ(Post(MakeMessage(app->id, "a.b", "evt-1")).error().code, ErrorCode::kConflict);
  EXPECT_EQ(store_->GetMessage(app->id, "evt-1")->id, m1->id);

  auto list = [&](MessageFilter f) {
    std::vector<std::string> ids;
    auto page = store_->ListMessages(app->id, f, {.descending = true});
    for (const auto& m : page->data) ids.push_back(m.id);
    return ids;
  };
  EXPECT_EQ(list({}), (std::vector<std::string>{m2->id, m1->id}));
  EXPECT_EQ(list({.event_types = {"c.d"}}), std::vector<std::string>{m2->id});
  EXPECT_EQ(list({.channel = "ch1"}).size(), 2u);
  EXPECT_TRUE(list({.channel = "other"}).empty());
  EXPECT_EQ(list({.before = cut}), std::vector<std::string>{m1->id});
  EXPECT_EQ(list({.after = cut}), std::vector<std::string>{m2->id});

  ASSERT_TRUE(Wait<void>([&](Done<void> d) { store_->ExpungeMessageContent(app->id, m1->id, d); }));
  EXPECT_EQ(store_->GetMessage(app->id, m1->id)->payload, R"({"expired":true})");
}

TEST_P(StoreTest, ListPagesStopAtTheirByteBudgetAndGoOnFromThere) {
  auto app = Create(MakeApp());
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    auto m = MakeMessage(app->id);
    m.payload = "{\"pad\":\"" + std::string(i == 3 ? 10 : 400, 'x') + "\"}";
    auto posted = Post(std::move(m));
    ASSERT_TRUE(posted);
    ids.push_back(posted->id);
    clock_.Advance(1ms);
  }
  // ~410 bytes a row, 1 KiB a page: two rows (three when the small one is among them), never
  // fewer than one, however large.
  std::vector<std::string> seen;
  std::vector<size_t> sizes;
  PageRequest page{.limit = 5, .max_bytes = 1024};
  for (;;) {
    auto p = store_->ListMessages(app->id, {}, page);
    ASSERT_TRUE(p);
    sizes.push_back(p->data.size());
    for (const auto& m : p->data) seen.push_back(m.id);
    if (p->done) break;
    page.iterator = p->iterator;
  }
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 3, 2}));
  EXPECT_EQ(store_->ListMessages(app->id, {}, {.limit = 5, .max_bytes = 1})->data.size(), 1u);
}

TEST_P(StoreTest, MessagesTakeTheirEventTypesExpectsReplyWhenCreated) {
  auto app = Create(MakeApp());
  core::EventType et{.id = "evtype_1", .name = "sms.keyword", .description = "Keyword"};
  et.expects_reply = true;
  ASSERT_TRUE(Wait<core::EventType>(
      [&](Done<core::EventType> d) { store_->CreateEventType(et, std::nullopt, d); }));
  EXPECT_TRUE(store_->GetEventType("sms.keyword")->expects_reply);
  auto keyword = Post(MakeMessage(app->id, "sms.keyword"));
  auto other = Post(MakeMessage(app->id, "sms.receipt"));  // no such type: expects none
  ASSERT_TRUE(keyword && other);
  EXPECT_TRUE(keyword->expects_reply);
  EXPECT_FALSE(other->expects_reply);
  EXPECT_TRUE(store_->GetMessage(app->id, keyword->id)->expects_reply);

  et.expects_reply = false;  // later messages follow; earlier ones keep theirs
  ASSERT_TRUE(Wait<core::EventType>(
      [&](Done<core::EventType> d) { store_->UpdateEventType(et, std::nullopt, d); }));
  EXPECT_FALSE(Post(MakeMessage(app->id, "sms.keyword"))->expects_reply);
  EXPECT_TRUE(store_->GetMessage(app->id, keyword->id)->expects_reply);
}

TEST_P(StoreTest, IdempotencyRecordIsAtomicWithTheWrite) {
  auto app = Create(MakeApp());
  core::IdempotencyRecord rec{"admin", "key-1", "fp", 202, "{\"id\":1}", clock_.Now() + 1h};
  ASSERT_TRUE(Post(MakeMessage(app->id), rec));
  auto again = Post(MakeMessage(app->id), rec);
  EXPECT_EQ(again.error().code, ErrorCode::kIdempotencyTaken);
  EXPECT_EQ(store_->ListMessages(app->id, {}, {})->data.size(), 1u);
  auto stored = store_->GetIdempotency("admin", "key-1");
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->body, "{\"id\":1}");
  EXPECT_FALSE(*store_->GetIdempotency("app:other", "key-1"));  // scoped

  // A write that fails leaves no record behind.
  core::IdempotencyRecord rec2{"admin", "key-2", "fp", 202, "{}", clock_.Now() + 1h};
  ASSERT_TRUE(Post(MakeMessage(app->id, "a.b", "dup")));
  EXPECT_EQ(Post(MakeMessage(app->id, "a.b", "dup"), rec2).error().code, ErrorCode::kConflict);
  EXPECT_FALSE(*store_->GetIdempotency("admin", "key-2"));

  // Expired records are invisible and replaced.
  clock_.Advance(2h);
  EXPECT_FALSE(*store_->GetIdempotency("admin", "key-1"));
  rec.expires_at = clock_.Now() + 1h;
  EXPECT_TRUE(Post(MakeMessage(app->id), rec));
}

TEST_P(StoreTest, ConcurrentWritesShareCommitsAndFailuresStayIsolated) {
  auto app = Create(MakeApp());
  ASSERT_TRUE(Post(MakeMessage(app->id, "a.b", "taken")));
  auto before = store_->Stats();
  constexpr int kWrites = 400;
  std::atomic<int> ok{0}, conflicts{0};
  std::vector<std::promise<void>> promises(kWrites);
  for (int i = 0; i < kWrites; ++i) {
    auto msg = MakeMessage(app->id, "a.b",
                           i % 100 == 0 ? std::optional<std::string>("taken") : std::nullopt);
    store_->CreateMessage(msg, std::nullopt, {}, [&, i](core::Result<core::Message> r) {
      (r ? ok : conflicts)++;
      promises[i].set_value();
    });
  }
  for (auto& p : promises) p.get_future().wait();
  EXPECT_EQ(conflicts.load(), kWrites / 100);
  EXPECT_EQ(ok.load(), kWrites - kWrites / 100);
  auto after = store_->Stats();
  EXPECT_EQ(after.writes - before.writes, uint64_t(kWrites));
  EXPECT_LT(after.commits - before.commits, uint64_t(kWrites) / 4);  // grouped
  // Every commit was made durable before its writes were reported, often several per sync.
  EXPECT_GE(after.syncs - before.syncs, 1u);
  EXPECT_LE(after.syncs - before.syncs, after.commits - before.commits);
  EXPECT_EQ(store_->ListMessages(app->id, {}, {.limit = 250})->data.size(), 250u);
}

TEST_P(StoreTest, CommittedDataSurvivesReopen) {
  auto app = Create(MakeApp("persist"));
  ASSERT_TRUE(app);
  ASSERT_TRUE(Post(MakeMessage(app->id)));
  core::Token token{core::NewId("tok"), "hash123", app->id, "t", clock_.Now()};
  ASSERT_TRUE(Wait<core::Token>([&](Done<core::Token> d) { store_->CreateToken(token, d); }));
  Reopen();
  EXPECT_EQ(store_->GetApp("persist")->id, app->id);
  EXPECT_EQ(store_->ListMessages(app->id, {}, {})->data.size(), 1u);
  EXPECT_EQ(store_->FindTokenByHash("hash123")->app_id, app->id);
  EXPECT_EQ(*store_->CountTokens(), 1);
}

TEST_P(StoreTest, WritesAfterCloseFailCleanly) {
  store_->Close();
  auto r = Create(MakeApp());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, StoreTest, ::testing::ValuesIn(Backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace hookd::store
