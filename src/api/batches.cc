// /api/v1/app/{app}/batch: groups of messages whose completion is reported once, as a whole
// (batch.completed), and /msg/{msg}/completion: a message's completion record.
#include "api/body_reader.h"
#include "api/delivery_options.h"
#include "api/handler_util.h"
#include "api/json_codec.h"
#include "api/resources.h"
#include "core/completion.h"
#include "core/ops_events.h"
#include "core/time_format.h"
#include "core/validation.h"
#include "ops/task_runner.h"

namespace hookd::api {
namespace {

namespace json = boost::json;
using core::Batch;

json::object BatchJson(const Batch& b) {
  const char* status = b.completed_at ? "completed" : b.closed_at ? "closed" : "open";
  return {{"id", b.id},
          {"status", status},
          {"expectedMessages", b.expected ? json::value(*b.expected) : json::value(nullptr)},
          {"messages", b.messages},
          {"succeeded", b.succeeded},
          {"failed", b.failed},
          {"killed", b.killed},
          {"pending", std::max<int64_t>(0, b.messages - b.completed())},
          {"callback", b.callback_endpoint.has_value()},
          {"createdAt", core::FormatTime(b.created_at)},
          {"closedAt", OptTime(b.closed_at)},
          {"completedAt", OptTime(b.completed_at)}};
}

json::object CompletionJson(const core::MessageCompletion& c) {
  return {{"msgId", c.msg_id},
          {"batchId", c.batch_id ? json::value(*c.batch_id) : json::value(nullptr)},
          {"status", core::CompletionStatusName(c.status)},
          {"completedAt", core::FormatTime(c.completed_at)},
          {"destinations", core::DestinationsJson(c.destinations)}};
}

json::object MemberJson(const store::BatchMember& m) {
  const auto& msg = m.message;
  return {{"msgId", msg.id},
          {"eventId", msg.event_id ? json::value(*msg.event_id) : json::value(nullptr)},
          {"eventType", msg.event_type},
          {"timestamp", core::FormatTime(msg.created_at)},
          {"status", m.completion ? core::CompletionStatusName(m.completion->status) : "pending"},
          {"completedAt", m.completion ? json::value(core::FormatTime(m.completion->completed_at))
                                       : json::value(nullptr)},
          {"destinations", core::DestinationsJson(m.destinations)}};
}

// POST .../batch {batchId, expectedMessages?, callback?}
void Create(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  Batch batch;
  batch.app_id = app->id;
  if (auto id = body->String("batchId", true)) {
    if (auto err = core::CheckUid(*id); !err.empty()) body->Fail("batchId", err);
    batch.id = *id;
  }
  batch.expected = body->Int("expectedMessages", 0, int64_t{1} << 40);
  auto cb = ReadCallback(*body, "callback", "batch callback", ctx.clock);
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  if (cb) {  // an endpoint of the operations app; its URL may name {{batchId}} and the app's env
    cb->app_id = std::string(core::kOperationsAppId);
    core::Message vars;
    vars.id = batch.id;
    vars.batch_id = batch.id;
    auto s = BindCallbackUrls(*cb, vars, json::object(), app->env, "callback");
    if (!s) return reply(ErrorResponse(s.error()));
    batch.callback_endpoint = cb->id;
  }
  batch.created_at = ctx.clock.Now();
  IdempotentWrite<Batch>(ctx, req, std::move(reply), JsonResponse(201, BatchJson(batch)),
                         [&ctx, batch, cb](store::Idempotency idem, store::Done<Batch> done) {
                           ctx.store.CreateBatch(batch, cb, std::move(idem), std::move(done));
                         });
}

void List(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto page = ReadPage(req, false, "");
  if (!page) return reply(ErrorResponse(page.error()));
  auto batches = ctx.store.ListBatches(app->id, *page);
  if (!batches) return reply(ErrorResponse(batches.error()));
  reply(JsonResponse(200, PageJson(*batches, BatchJson)));
}

// GET .../batch/{batch}[?include_members=true&limit=&iterator=]: the members, in message order,
// come as a page under "members".
void Get(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto members = QueryFlag(req, "include_members", false);
  if (!members) return reply(ErrorResponse(members.error()));
  auto batch = ctx.store.GetBatch(app->id, req.params[1]);
  if (!batch) return reply(ErrorResponse(batch.error()));
  auto out = BatchJson(*batch);
  if (*members) {
    auto page = ReadPage(req, false, "msg");
    if (!page) return reply(ErrorResponse(page.error()));
    auto list = ctx.store.ListBatchMembers(app->id, batch->id, *page);
    if (!list) return reply(ErrorResponse(list.error()));
    out["members"] = PageJson(*list, MemberJson);
  }
  reply(JsonResponse(200, std::move(out)));
}

// POST .../batch/{batch}/close: no message joins any more; the batch completes once the members
// it has are complete.
void Close(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  ctx.store.CloseBatch(app->id, req.params[1], ctx.clock.Now(),
                       [&ctx, reply = std::move(reply)](core::Result<Batch> b) {
                         if (!b) return reply(ErrorResponse(b.error()));
                         if (ctx.tasks) ctx.tasks->Wake();  // check it now
                         reply(JsonResponse(200, BatchJson(*b)));
                       });
}

// GET .../msg/{msg}/completion: 404 until the message is complete.
void GetCompletion(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto msg = ctx.store.GetMessage(app->id, req.params[1]);
  if (!msg) return reply(ErrorResponse(msg.error()));
  auto c = ctx.store.GetCompletion(app->id, msg->id);
  reply(c ? JsonResponse(200, CompletionJson(*c)) : ErrorResponse(c.error()));
}

}  // namespace

void RegisterBatches(Router& r, ApiContext& ctx) {
  using M = Method;
  r.Add(M::kPost, "/api/v1/app/{app}/batch", kManageMessages, Bind(ctx, Create));
  r.Add(M::kGet, "/api/v1/app/{app}/batch", kView, Bind(ctx, List));
  r.Add(M::kGet, "/api/v1/app/{app}/batch/{batch}", kView, Bind(ctx, Get));
  r.Add(M::kPost, "/api/v1/app/{app}/batch/{batch}/close", kManageMessages, Bind(ctx, Close));
  r.Add(M::kGet, "/api/v1/app/{app}/msg/{msg}/completion", kView, Bind(ctx, GetCompletion));
}

}  // namespace hookd::api
