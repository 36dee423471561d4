// Background tasks of endpoints (replay-missing, bulk-replay, recover) and /api/v1/background-task.
// A POST stores the task and answers 202 at once; the task runner goes through it.
#include "api/body_reader.h"
#include "api/handler_util.h"
#include "api/resources.h"
#include "core/ids.h"
#include "core/time_format.h"
#include "ops/task_runner.h"

namespace hookd::api {
namespace {

namespace json = boost::json;
using store::BackgroundTask;
using store::TaskKind;

}  // namespace

json::object TaskJson(const BackgroundTask& t) {
  json::value data = {{"messagesSent", t.sent}};
  if (t.result) {
    boost::system::error_code ec;
    data = json::parse(*t.result, ec);
    if (ec) data = json::object();
  }
  return {{"id", t.id},
          {"status", store::TaskStatusName(t.status)},
          {"task", store::TaskKindName(t.kind)},
          {"data", std::move(data)},
          {"updatedAt", core::FormatTime(t.updated_at)}};
}

namespace {

// How far back recover reaches (as Svix).
constexpr auto kRecoverWindow = std::chrono::hours(14 * 24);

// since (required) and until, RFC 3339.
void ReadRange(BodyReader& body, store::TaskSpec& spec) {
  if (auto since = body.Time("since", true)) spec.since = *since;
  spec.until = body.Time("until");
}

void Start(ApiContext& ctx, Request& req, Reply reply, TaskKind kind) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto ep = FindEndpoint(ctx, app->id, req.params.at(1));
  if (!ep) return reply(ErrorResponse(ep.error()));
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  BackgroundTask task;
  task.kind = kind;
  task.spec.endpoint_id = ep->id;
  ReadRange(*body, task.spec);
  if (kind == TaskKind::kRecover) {
    task.spec.status = core::DeliveryStatus::kFail;
    if (task.spec.since != core::TimePoint{} && task.spec.since < ctx.clock.Now() - kRecoverWindow)
      body->Fail("since", "cannot recover messages more than 14 days old");
  }
  if (kind == TaskKind::kBulkReplay) {
    if (auto types = body->StringList("eventTypes", 1000)) task.spec.event_types = *types;
    task.spec.channel = body->String("channel");
    task.spec.tag = body->String("tag");
    if (auto s = body->Int("status", 0, 4))
      task.spec.status = static_cast<core::DeliveryStatus>(*s);
    if (auto c = body->Int("statusCodeClass", 0, 500)) {
      if (*c % 100 != 0) body->Fail("statusCodeClass", "must be 0, 100, 200, 300, 400 or 500");
      task.spec.status_code_class = static_cast<int>(*c);
    }
  }
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  task.id = core::NewId("qtask", ctx.clock);
  task.app_id = app->id;
  task.created_at = task.updated_at = ctx.clock.Now();
  IdempotentWrite<BackgroundTask>(
      ctx, req, std::move(reply), JsonResponse(202, TaskJson(task)),
      [&ctx, task](store::Idempotency idem, store::Done<BackgroundTask> done) {
        ctx.store.CreateTask(task, std::move(idem),
                             [&ctx, done = std::move(done)](core::Result<BackgroundTask> r) {
                               if (r && ctx.tasks) ctx.tasks->Wake();
                               done(std::move(r));
                             });
      });
}

void ReplayMissing(ApiContext& ctx, Request& req, Reply reply) {
  Start(ctx, req, std::move(reply), TaskKind::kReplayMissing);
}
void BulkReplay(ApiContext& ctx, Request& req, Reply reply) {
  Start(ctx, req, std::move(reply), TaskKind::kBulkReplay);
}
void Recover(ApiContext& ctx, Request& req, Reply reply) {
  Start(ctx, req, std::move(reply), TaskKind::kRecover);
}

// An app token sees its app's tasks; an admin token every task.
void List(ApiContext& ctx, Request& req, Reply reply) {
  auto page = ReadPage(req, true, "qtask");
  if (!page) return reply(ErrorResponse(page.error()));
  store::TaskFilter filter;
  filter.app_id = req.principal.app_id;
  if (auto s = req.Query("status")) {
    filter.status = store::ParseTaskStatus(*s);
    if (!filter.status)
      return reply(ErrorResponse(QueryError("status", "unknown task status").error()));
  }
  if (auto k = req.Query("task")) {
    filter.kind = store::ParseTaskKind(*k);
    if (!filter.kind) return reply(ErrorResponse(QueryError("task", "unknown task type").error()));
  }
  auto tasks = ctx.store.ListTasks(filter, *page);
  if (!tasks) return reply(ErrorResponse(tasks.error()));
  reply(JsonResponse(200, PageJson(*tasks, TaskJson)));
}

void Get(ApiContext& ctx, Request& req, Reply reply) {
  auto task = ctx.store.GetTask(req.params.at(0));
  if (task && req.principal.app_id && *req.principal.app_id != task->app_id)
    task = core::NotFound("background task");
  reply(task ? JsonResponse(200, TaskJson(*task)) : ErrorResponse(task.error()));
}

}  // namespace

void RegisterBackgroundTasks(Router& r, ApiContext& ctx) {
  using M = Method;
  const std::string ep = "/api/v1/app/{app}/endpoint/{endpoint}";
  r.Add(M::kPost, ep + "/replay-missing", kCreateAttempts, Bind(ctx, ReplayMissing));
  r.Add(M::kPost, ep + "/bulk-replay", kCreateAttempts, Bind(ctx, BulkReplay));
  r.Add(M::kPost, ep + "/recover", kCreateAttempts, Bind(ctx, Recover));
  // The same for an inbox source's endpoints: replaying what the source received in a range.
  const std::string source_ep = "/ingest/api/v1/source/{source}/endpoint/{endpoint}";
  r.Add(M::kPost, source_ep + "/replay-missing", kAdmin, SourceScoped(ctx, ReplayMissing));
  r.Add(M::kPost, source_ep + "/bulk-replay", kAdmin, SourceScoped(ctx, BulkReplay));
  r.Add(M::kPost, source_ep + "/recover", kAdmin, SourceScoped(ctx, Recover));
  r.Add(M::kGet, "/api/v1/background-task", kView, Bind(ctx, List));
  r.Add(M::kGet, "/api/v1/background-task/{task}", kView, Bind(ctx, Get));
}

}  // namespace hookd::api
