// /api/v1/app/{app}/msg: messages (events) posted by producers.
#include "api/body_reader.h"
#include "api/handler_util.h"
#include "api/json_codec.h"
#include "api/resources.h"
#include "core/ids.h"
#include "core/time_format.h"
#include "core/validation.h"

namespace hookd::api {
namespace {

using core::Message;

void Create(ApiContext& ctx, Request& req, Reply reply) {
  if (ReplayIdempotent(ctx, req, reply)) return;
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto with_content = QueryFlag(req, "with_content", true);
  if (!with_content) return reply(ErrorResponse(with_content.error()));
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  Message msg;
  if (auto type = body->String("eventType", true)) {
    if (auto err = core::CheckEventTypeName(*type); !err.empty()) body->Fail("eventType", err);
    msg.event_type = *type;
  }
  if (auto payload = body->Object("payload", true)) msg.payload = std::move(*payload);
  if (auto event_id = body->String("eventId")) {
    if (auto err = core::CheckUid(*event_id); !err.empty()) body->Fail("eventId", err);
    msg.event_id = *event_id;
  }
  if (auto ch = body->StringList("channels", 10)) {
    for (const auto& c : *ch)
      if (auto err = core::CheckChannel(c); !err.empty()) body->Fail("channels", err);
    msg.channels = *ch;
  }
  if (auto tags = body->StringList("tags", 5)) {
    for (const auto& t : *tags)
      if (auto err = core::CheckChannel(t); !err.empty()) body->Fail("tags", err);
    msg.tags = *tags;
  }
  (void)body->Int("payloadRetentionPeriod", 1, 5 * 365);  // accepted for compatibility
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  msg.id = core::NewId("msg", ctx.clock);
  msg.app_id = app->id;
  msg.created_at = ctx.clock.Now();
  auto response = JsonResponse(202, MessageJson(msg, *with_content));
  IdempotentWrite<Message>(ctx, req, std::move(reply), std::move(response),
                           [&ctx, msg = std::move(msg)](store::Idempotency idem,
                                                        store::Done<Message> done) mutable {
                             ctx.store.CreateMessage(
                                 std::move(msg), std::move(idem),
                                 [&ctx, done = std::move(done)](core::Result<Message> r) {
                                   if (r) ctx.metrics.RecordMessageCreated();
                                   done(std::move(r));
                                 });
                           });
}

core::Result<std::optional<core::TimePoint>> QueryTime(const Request& req, std::string_view name) {
  auto v = req.Query(name);
  if (!v) return std::nullopt;
  auto t = core::ParseTime(*v);
  if (!t) {
    return std::unexpected(core::Error{core::ErrorCode::kValidation, "",
                                       {{{"query", std::string(name)}, "must be an RFC 3339 time"}}});
  }
  return t;
}

void List(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto page = ReadPage(req, true);
  if (!page) return reply(ErrorResponse(page.error()));
  auto with_content = QueryFlag(req, "with_content", true);
  if (!with_content) return reply(ErrorResponse(with_content.error()));
  store::MessageFilter filter;
  filter.event_types = req.QueryAll("event_types");
  if (auto ch = req.Query("channel")) filter.channel = std::string(*ch);
  if (auto tag = req.Query("tag")) filter.tag = std::string(*tag);
  auto before = QueryTime(req, "before");
  if (!before) return reply(ErrorResponse(before.error()));
  auto after = QueryTime(req, "after");
  if (!after) return reply(ErrorResponse(after.error()));
  filter.before = *before;
  filter.after = *after;
  auto msgs = ctx.store.ListMessages(app->id, filter, *page);
  if (!msgs) return reply(ErrorResponse(msgs.error()));
  bool content = *with_content;
  reply(JsonResponse(200, PageJson(*msgs, [content](const Message& m) {
                       return MessageJson(m, content);
                     })));
}

void Get(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto with_content = QueryFlag(req, "with_content", true);
  if (!with_content) return reply(ErrorResponse(with_content.error()));
  auto msg = ctx.store.GetMessage(app->id, req.params[1]);
  reply(msg ? JsonResponse(200, MessageJson(*msg, *with_content)) : ErrorResponse(msg.error()));
}

void ExpungeContent(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto msg = ctx.store.GetMessage(app->id, req.params[1]);
  if (!msg) return reply(ErrorResponse(msg.error()));
  ctx.store.ExpungeMessageContent(app->id, msg->id, ReplyNoContent(std::move(reply)));
}

}  // namespace

void RegisterMessages(Router& r, ApiContext& ctx) {
  using M = Method;
  r.Add(M::kGet, "/api/v1/app/{app}/msg", Bind(ctx, List));
  r.Add(M::kPost, "/api/v1/app/{app}/msg", Bind(ctx, Create));
  r.Add(M::kGet, "/api/v1/app/{app}/msg/{msg}", Bind(ctx, Get));
  r.Add(M::kDelete, "/api/v1/app/{app}/msg/{msg}/content", Bind(ctx, ExpungeContent));
}

}  // namespace hookd::api
