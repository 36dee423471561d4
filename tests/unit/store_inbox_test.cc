// The inbox contract (inbox_store.h) on every backend: a source owns an app of its id, is found
// by its current or unexpired URL token, and its received requests are recorded, the forwarded
// ones in the same commit as their message (whose raw payload is the request's body).
#include "store_fixture.h"

namespace hookd::store {
namespace {

using namespace std::chrono_literals;

class InboxStoreTest : public StoreTest {
 protected:
  core::Source MakeSource(std::optional<std::string> uid = std::nullopt) {
    core::Source s;
    s.id = core::NewId("src", clock_);
    s.uid = uid;
    s.name = "SMS gateway";
    s.type = "github";
    s.settings.secret = "shh";
    s.settings.routes = {{"DELIVERY_DATE", std::nullopt, "sms.receipt"}};
    s.metadata = {{"team", "ops"}};
    s.created_at = s.updated_at = clock_.Now();
    return s;
  }
  core::Result<core::Source> CreateSource(const core::Source& s, std::string token) {
    return Wait<core::Source>([&](Done<core::Source> d) {
      store_->CreateSource(s, {token, s.id, clock_.Now(), std::nullopt}, std::nullopt, d);
    });
  }
  core::InboxRequest MakeRequest(const std::string& source_id, core::InboxVerdict verdict) {
    core::InboxRequest r;
    r.id = core::NewId("inrq", clock_);
    r.source_id = source_id;
    r.received_at = clock_.Now();
    r.method = "POST";
    r.headers = R"({"content-type":"application/x-www-form-urlencoded"})";
    r.content_type = "application/x-www-form-urlencoded";
    r.body = "DELIVERY_DATE=2026-11-26&id=1";
    r.verdict = verdict;
    if (verdict == core::InboxVerdict::kRejected) r.reason = "signature mismatch";
    return r;
  }
};

TEST_P(InboxStoreTest, ASourceOwnsAnAppThatIsNotListedAmongTenants) {
  auto tenant = Create(MakeApp());
  auto src = CreateSource(MakeSource("sms-gw"), "tok-1");
  ASSERT_TRUE(src && tenant);
  auto got = store_->GetSource("sms-gw");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, src->id);
  EXPECT_EQ(got->settings, src->settings);
  EXPECT_EQ(got->metadata, src->metadata);
  EXPECT_EQ(store_->GetApp(src->id)->name, "SMS gateway");
  auto apps = store_->ListApps({});
  ASSERT_EQ(apps->data.size(), 1u);
  EXPECT_EQ(apps->data[0].id, tenant->id);
  EXPECT_EQ(CreateSource(MakeSource("sms-gw"), "tok-2").error().code, core::ErrorCode::kConflict);

  got->name = "Gateway";
  got->settings.ack_status = 204;
  ASSERT_TRUE(Wait<core::Source>([&](Done<core::Source> d) { store_->UpdateSource(*got, d); }));
  EXPECT_EQ(store_->GetSource(src->id)->settings.ack_status, 204);
  EXPECT_EQ(store_->GetApp(src->id)->name, "Gateway");

  ASSERT_TRUE(Wait<void>([&](Done<void> d) { store_->DeleteSource(src->id, d); }));
  EXPECT_EQ(store_->GetSource(src->id).error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetApp(src->id).error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(store_->FindSourceByToken("tok-1").error().code, core::ErrorCode::kNotFound);
  // Deleting a tenant app through this call is refused.
  EXPECT_EQ(Wait<void>([&](Done<void> d) { store_->DeleteSource(tenant->id, d); }).error().code,
            core::ErrorCode::kNotFound);
}

TEST_P(InboxStoreTest, ARotatedTokenKeepsWorkingUntilItExpires) {
  auto src = CreateSource(MakeSource(), "tok-1");
  ASSERT_TRUE(src);
  EXPECT_EQ(store_->FindSourceByToken("tok-1")->id, src->id);
  EXPECT_EQ((*store_->CurrentSourceToken(src->id))->token, "tok-1");
  ASSERT_TRUE(Wait<core::SourceToken>([&](Done<core::SourceToken> d) {
    store_->RotateSourceToken({"tok-2", src->id, clock_.Now(), std::nullopt}, clock_.Now() + 48h,
                              d);
  }));
  EXPECT_EQ((*store_->CurrentSourceToken(src->id))->token, "tok-2");
  EXPECT_EQ(store_->FindSourceByToken("tok-1")->id, src->id);
  EXPECT_EQ(store_->FindSourceByToken("tok-2")->id, src->id);
  clock_.Advance(48h + 1s);
  EXPECT_EQ(store_->FindSourceByToken("tok-1").error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(store_->FindSourceByToken("tok-2")->id, src->id);
  EXPECT_EQ(store_->FindSourceByToken("nope").error().code, core::ErrorCode::kNotFound);
}

TEST_P(InboxStoreTest, RequestsAreRecordedAndAForwardedOneWithItsMessage) {
  auto src = CreateSource(MakeSource(), "tok-1");
  ASSERT_TRUE(src);
  auto ep = MakeEndpoint(src->id);
  ep.event_types = std::vector<std::string>{"sms.receipt"};
  ASSERT_TRUE(Wait<core::Endpoint>(
      [&](Done<core::Endpoint> d) { store_->CreateEndpoint(ep, std::nullopt, {}, d); }));

  auto rejected = MakeRequest(src->id, core::InboxVerdict::kRejected);
  ASSERT_TRUE(Wait<core::InboxRequest>(
      [&](Done<core::InboxRequest> d) { store_->RecordRejected(rejected, d); }));
  clock_.Advance(1s);

  auto fwd = MakeRequest(src->id, core::InboxVerdict::kForwarded);
  core::Message msg = MakeMessage(src->id, "sms.receipt");
  msg.payload = fwd.body;  // raw: not JSON
  msg.content_type = fwd.content_type;
  fwd.msg_id = msg.id;
  fwd.event_type = msg.event_type;
  MessageRouting routing;
  routing.received = fwd;
  auto posted = Wait<core::Message>(
      [&](Done<core::Message> d) { store_->CreateMessage(msg, {}, routing, d); });
  ASSERT_TRUE(posted);

  auto stored = store_->GetMessage(src->id, msg.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->payload, "DELIVERY_DATE=2026-11-26&id=1");
  EXPECT_EQ(stored->content_type, "application/x-www-form-urlencoded");
  auto dest = store_->ListMessageDestinations(src->id, msg.id, {});
  ASSERT_EQ(dest->data.size(), 1u);
  EXPECT_EQ(dest->data[0].endpoint.id, ep.id);

  auto all = store_->ListInboxRequests(src->id, {}, {.descending = true});
  ASSERT_EQ(all->data.size(), 2u);
  EXPECT_EQ(all->data[0].id, fwd.id);
  EXPECT_EQ(all->data[0].body, fwd.body);  // read from its message
  EXPECT_EQ(all->data[0].msg_id, msg.id);
  EXPECT_EQ(all->data[0].pending, 1);  // its one delivery, not sent yet
  EXPECT_EQ(all->data[0].succeeded + all->data[0].failed, 0);
  EXPECT_EQ(all->data[1].reason, "signature mismatch");
  EXPECT_EQ(all->data[1].body, rejected.body);
  auto only = store_->ListInboxRequests(src->id, {.verdict = core::InboxVerdict::kRejected}, {});
  ASSERT_EQ(only->data.size(), 1u);
  EXPECT_EQ(only->data[0].id, rejected.id);
  auto typed = store_->ListInboxRequests(src->id, {.event_type = "sms.receipt"}, {});
  ASSERT_EQ(typed->data.size(), 1u);
  EXPECT_EQ(store_->GetInboxRequest(src->id, rejected.id)->headers, rejected.headers);
  EXPECT_EQ(store_->GetInboxRequest("src_other", rejected.id).error().code,
            core::ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, InboxStoreTest, ::testing::ValuesIn(Backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace hookd::store
