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

// Persists `msg` (in `app_id`) with its deliveries and answers 202 once durable.
void Persist(ApiContext& ctx, const Request& req, Reply reply, Message msg, std::string app_id,
             bool with_content, std::optional<std::string> only_endpoint = std::nullopt) {
  msg.app_id = std::move(app_id);
  auto response = JsonResponse(202, MessageJson(msg, with_content));
  IdempotentWrite<Message>(ctx, req, std::move(reply), std::move(response),
                           [&ctx, msg = std::move(msg), only = std::move(only_endpoint)](
                               store::Idempotency idem, store::Done<Message> done) mutable {
                             ctx.store.CreateMessage(
                                 std::move(msg), std::move(idem), std::move(only),
                                 [&ctx, done = std::move(done)](core::Result<Message> r) {
                                   if (r) ctx.metrics.RecordMessageCreated();
                                   done(std::move(r));
                                 });
                           });
}

// MessageIn.application: when the path's app does not exist, create it first (admin only).
void CreateAppThenStore(ApiContext& ctx, Request& req, Reply reply, Message msg,
                        core::App app, bool with_content) {
  auto request = std::make_shared<Request>(req);
  ctx.store.CreateApp(app, std::nullopt,
                      [&ctx, request, reply = std::move(reply), msg = std::move(msg),
                       with_content](core::Result<core::App> created) mutable {
                        // Lost a race with a concurrent creation: use the winner.
                        if (!created && created.error().code == core::ErrorCode::kConflict)
                          created = ResolveApp(ctx, *request);
                        if (!created) return reply(ErrorResponse(created.error()));
                        Persist(ctx, *request, std::move(reply), std::move(msg), created->id,
                              with_content);
                      });
}

void Create(ApiContext& ctx, Request& req, Reply reply) {
  if (ReplayIdempotent(ctx, req, reply)) return;
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
  std::optional<core::App> new_app;
  if (auto nested = body->Nested("application")) {
    new_app.emplace();
    ReadAppFields(*nested, *new_app, false);
    body->Absorb(*nested);
  }
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  msg.id = core::NewId("msg", ctx.clock);
  msg.created_at = ctx.clock.Now();

  auto app = ResolveApp(ctx, req);
  if (app) return Persist(ctx, req, std::move(reply), std::move(msg), app->id, *with_content);
  if (!new_app || app.error().code != core::ErrorCode::kNotFound || !req.principal.admin())
    return reply(ErrorResponse(app.error()));
  if (!new_app->uid && core::CheckUid(req.params[0]).empty()) new_app->uid = req.params[0];
  new_app->id = core::NewId("app", ctx.clock);
  new_app->created_at = new_app->updated_at = ctx.clock.Now();
  CreateAppThenStore(ctx, req, std::move(reply), std::move(msg), std::move(*new_app),
                     *with_content);
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

// POST .../endpoint/{ep}/send-example: a sample message of an event type, to that endpoint only.
void SendExample(ApiContext& ctx, Request& req, Reply reply) {
  if (ReplayIdempotent(ctx, req, reply)) return;
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto ep = ctx.store.GetEndpoint(app->id, req.params[1]);
  if (!ep) return reply(ErrorResponse(ep.error()));
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  Message msg;
  if (auto type = body->String("eventType", true)) {
    if (auto err = core::CheckEventTypeName(*type); !err.empty()) body->Fail("eventType", err);
    msg.event_type = *type;
  }
  auto index = body->Int("exampleIndex", 0, 1000).value_or(0);
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  // The type's schema examples ({"1": {"examples": [...]}}) when it has them, else a stub.
  boost::json::value payload = boost::json::object{{"eventType", msg.event_type},
                                                   {"example", true}};
  if (auto et = ctx.store.GetEventType(msg.event_type); et && et->schemas) {
    auto schemas = boost::json::parse(*et->schemas);
    for (const auto& [version, schema] : schemas.as_object()) {
      const auto* examples = schema.is_object() ? schema.as_object().if_contains("examples") : nullptr;
      if (examples && examples->is_array() && index < int64_t(examples->as_array().size()) &&
          examples->as_array()[index].is_object()) {
        payload = examples->as_array()[index];
      }
    }
  }
  msg.payload = boost::json::serialize(payload);
  msg.id = core::NewId("msg", ctx.clock);
  msg.created_at = ctx.clock.Now();
  Persist(ctx, req, std::move(reply), std::move(msg), app->id, true, ep->id);
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
  r.Add(M::kPost, "/api/v1/app/{app}/endpoint/{endpoint}/send-example", Bind(ctx, SendExample));
}

}  // namespace hookd::api
