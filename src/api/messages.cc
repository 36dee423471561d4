// /api/v1/app/{app}/msg: messages (events) posted by producers.
#include "api/body_reader.h"
#include "api/delivery_options.h"
#include "api/handler_util.h"
#include "api/json_codec.h"
#include "api/request_json.h"
#include "api/resources.h"
#include "core/crypto.h"
#include "core/ids.h"
#include "core/json_text.h"
#include "core/ops_events.h"
#include "core/text.h"
#include "core/time_format.h"
#include "core/validation.h"
#include "delivery/request_builder.h"
#include "delivery/signer.h"
#include "delivery/url_template.h"

namespace hookd::api {
namespace {

using core::Message;

// The required eventType field.
void ReadEventTypeField(BodyReader& body, Message& msg) {
  if (auto type = body.String("eventType", true)) {
    if (auto err = core::CheckEventTypeName(*type); !err.empty()) body.Fail("eventType", err);
    msg.event_type = *type;
  }
}

// What a message asks for beyond Svix's MessageIn.
struct Extras {
  std::optional<core::Endpoint> callback;  // its own destination (not yet bound to an app)
  // Receives its completion report; URL variables not yet filled.
  std::optional<core::Endpoint> completion_callback;
  bool test = false;  // route and render only
};

// Persists `msg` (in `app`) with its deliveries and answers 202 once durable. In test mode the
// routes are rendered into the message instead, and nothing is sent.
void Persist(ApiContext& ctx, const Request& req, Reply reply, Message msg, const core::App& app,
             bool with_content, store::MessageRouting routing) {
  msg.app_id = app.id;
  Response response{202, MessageJsonText(msg, with_content)};
  IdempotentWrite<Message>(ctx, req, std::move(reply), std::move(response),
                           [&ctx, msg = std::move(msg), routing = std::move(routing)](
                               store::Idempotency idem, store::Done<Message> done) mutable {
                             ctx.store.CreateMessage(
                                 std::move(msg), std::move(idem), std::move(routing),
                                 [&ctx, done = std::move(done)](core::Result<Message> r) {
                                   if (r) ctx.metrics.RecordMessageCreated();
                                   done(std::move(r));
                                 });
                           });
}

// Test mode: the request each destination would get (credentials redacted), as JSON text.
core::Result<std::string> RenderRoutes(ApiContext& ctx, const core::App& app, const Message& msg,
                                       const std::optional<core::Endpoint>& callback) {
  auto targets = ctx.store.ListSubscribedEndpoints(msg);
  if (!targets) return std::unexpected(targets.error());
  if (callback) targets->push_back(*callback);
  delivery::Signer signer;
  boost::json::array routes;
  for (const auto& ep : *targets) {
    boost::json::object route{
        {"endpointId", ep.ephemeral ? boost::json::value(nullptr) : boost::json::value(ep.id)},
        {"callback", ep.ephemeral}};
    boost::json::array urls;
    for (const auto& url_template : delivery::EndpointUrls(ep)) {
      auto req =
          delivery::BuildRequest(ep, url_template, msg, app.env, ctx.clock.Now(), signer, {});
      if (!req) {
        urls.push_back(
            boost::json::object{{"error", "template"}, {"errorDetail", req.error().detail}});
        continue;
      }
      urls.push_back(RequestJson(*req, true));
    }
    route["requests"] = std::move(urls);
    routes.push_back(std::move(route));
  }
  return core::JsonText(routes);
}

// The completion callback of `msg`, as the operations-app endpoint it is stored as: its URL
// variables are filled now, from the message and `env`.
core::Result<core::Endpoint> BindCompletionCallback(core::Endpoint cb, const Message& msg,
                                                    const core::StringMap& env) {
  cb.app_id = std::string(core::kOperationsAppId);
  auto s = BindCallbackUrls(cb, msg, delivery::PayloadFields(msg), env, "completionCallback");
  if (!s) return std::unexpected(s.error());
  return cb;
}

// Routes the message (or renders it, in test mode) and persists it.
void Route(ApiContext& ctx, const Request& req, Reply reply, Message msg, const core::App& app,
           bool with_content, Extras extras) {
  msg.app_id = app.id;
  store::MessageRouting routing;
  if (extras.callback) {
    extras.callback->app_id = app.id;
    for (const auto& url : delivery::EndpointUrls(*extras.callback)) {
      if (auto err = delivery::CheckUrlTemplate(url, &app.env); !err.empty())
        return reply(ErrorResponse(core::Invalid("callback", err).error()));
    }
  }
  if (extras.test) {
    auto routes = RenderRoutes(ctx, app, msg, extras.callback);
    if (!routes) return reply(ErrorResponse(routes.error()));
    msg.test_routes = std::move(*routes);
    routing.fan_out = false;
  } else {
    routing.callback = std::move(extras.callback);
    if (extras.completion_callback) {
      auto bound = BindCompletionCallback(std::move(*extras.completion_callback), msg, app.env);
      if (!bound) return reply(ErrorResponse(bound.error()));
      routing.completion_callback = std::move(*bound);
    }
  }
  Persist(ctx, req, std::move(reply), std::move(msg), app, with_content, std::move(routing));
}

void Create(ApiContext& ctx, Request& req, Reply reply) {
  auto with_content = QueryFlag(req, "with_content", true);
  if (!with_content) return reply(ErrorResponse(with_content.error()));
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  Message msg;
  ReadEventTypeField(*body, msg);
  if (auto payload = body->Object("payload", true)) msg.payload = std::move(*payload);
  // Svix's raw payloads (the SDKs' messageInRaw): the text is the body, sent as it is.
  if (auto params = body->Nested("transformationsParams")) {
    if (auto raw = params->String("rawPayload")) {
      if (raw->find('\0') != std::string::npos) params->Fail("rawPayload", "must not contain NUL");
      msg.payload = std::move(*raw);
      msg.content_type = "application/json";
      for (const auto& [name, value] : params->Map("headers").value_or(core::StringMap{})) {
        if (core::AsciiLower(name) == "content-type") msg.content_type = value;
      }
    }
    body->Absorb(*params);
  }
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
  Extras extras;
  if (auto batch = body->String("batchId")) {
    if (auto err = core::CheckUid(*batch); !err.empty()) body->Fail("batchId", err);
    msg.batch_id = *batch;
  }
  extras.callback = ReadCallback(*body, "callback", "per-message callback", ctx.clock);
  extras.completion_callback =
      ReadCallback(*body, "completionCallback", "completion callback", ctx.clock);
  extras.test = body->Bool("test").value_or(false);
  auto new_app = ReadNestedApp(*body);
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  msg.id = core::NewId("msg", ctx.clock);
  msg.created_at = ctx.clock.Now();
  ResolveOrCreateApp(
      ctx, req, std::move(new_app),
      [&ctx, reply = std::move(reply), msg = std::move(msg), content = *with_content,
       extras = std::move(extras)](Request& req, core::Result<core::App> app) mutable {
        if (!app) return reply(ErrorResponse(app.error()));
        Route(ctx, req, std::move(reply), std::move(msg), *app, content, std::move(extras));
      });
}

void List(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto page = ReadPage(req, true, "msg");
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
  page->max_bytes = kPageBytes;  // payloads are read with or without with_content
  auto msgs = ctx.store.ListMessages(app->id, filter, *page);
  if (!msgs) return reply(ErrorResponse(msgs.error()));
  bool content = *with_content;
  reply(JsonResponse(
      200, PageJson(*msgs, [content](const Message& m) { return MessageJson(m, content); })));
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
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto ep = FindEndpoint(ctx, app->id, req.params[1]);
  if (!ep) return reply(ErrorResponse(ep.error()));
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  Message msg;
  ReadEventTypeField(*body, msg);
  auto index = body->Int("exampleIndex", 0, 1000).value_or(0);
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  // The type's schema examples ({"1": {"examples": [...]}}) when it has them, else a stub (for
  // svix.ping, Svix's {"success": true}).
  boost::json::value payload =
      msg.event_type == "svix.ping"
          ? boost::json::object{{"success", true}}
          : boost::json::object{{"eventType", msg.event_type}, {"example", true}};
  if (auto et = ctx.store.GetEventType(msg.event_type); et && et->schemas) {
    auto schemas = boost::json::parse(*et->schemas);
    for (const auto& [version, schema] : schemas.as_object()) {
      const auto* examples =
          schema.is_object() ? schema.as_object().if_contains("examples") : nullptr;
      if (examples && examples->is_array() && index < int64_t(examples->as_array().size()) &&
          examples->as_array()[index].is_object()) {
        payload = examples->as_array()[index];
      }
    }
  }
  msg.payload = core::JsonText(payload);
  msg.id = core::NewId("msg", ctx.clock);
  msg.created_at = ctx.clock.Now();
  Persist(ctx, req, std::move(reply), std::move(msg), *app, true,
          store::MessageRouting{.fan_out = false, .only_endpoint = ep->id});
}

// DELETE .../msg/{msg} (or POST .../msg/{msg}/kill): cancels every delivery of the message that
// has not been sent; answers which endpoints were killed and which were not (already finished,
// or claimed by a node that is sending it).
void Kill(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto msg = ctx.store.GetMessage(app->id, req.params[1]);
  if (!msg) return reply(ErrorResponse(msg.error()));
  auto done = [reply = std::move(reply), id = msg->id](core::Result<store::KillResult> r) {
    if (!r) return reply(ErrorResponse(r.error()));
    reply(JsonResponse(200,
                       boost::json::object{{"msgId", id},
                                           {"killed", boost::json::value_from(r->killed)},
                                           {"notKilled", boost::json::value_from(r->not_killed)}}));
  };
  ctx.store.KillDeliveries(*msg, app->uid, ctx.clock.Now(), std::move(done));
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
  r.Add(M::kGet, "/api/v1/app/{app}/msg", kView, Bind(ctx, List));
  r.Add(M::kPost, "/api/v1/app/{app}/msg", kManageMessages, Bind(ctx, Create));
  r.Add(M::kGet, "/api/v1/app/{app}/msg/{msg}", kView, Bind(ctx, Get));
  r.Add(M::kDelete, "/api/v1/app/{app}/msg/{msg}/content", kManageMessages,
        Bind(ctx, ExpungeContent));
  r.Add(M::kDelete, "/api/v1/app/{app}/msg/{msg}", kManageMessages, Bind(ctx, Kill));
  r.Add(M::kPost, "/api/v1/app/{app}/msg/{msg}/kill", kManageMessages, Bind(ctx, Kill));
  r.Add(M::kPost, "/api/v1/app/{app}/endpoint/{endpoint}/send-example", kCreateAttempts,
        Bind(ctx, SendExample));
}

}  // namespace hookd::api
