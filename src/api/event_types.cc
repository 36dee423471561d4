// /api/v1/event-type: the catalogue of event types (global, admin-managed).
#include "api/body_reader.h"
#include "api/handler_util.h"
#include "api/json_codec.h"
#include "api/resources.h"
#include "core/ids.h"
#include "core/json_schema_check.h"
#include "core/json_text.h"
#include "core/validation.h"

namespace hookd::api {
namespace {

using core::EventType;

void ReadFields(BodyReader& body, EventType& et, bool patch) {
  if (auto d = body.String("description", !patch, 4096)) et.description = *d;
  if (auto a = body.Bool("archived"))
    et.archived = *a;
  else if (!patch)
    et.archived = false;
  if (auto d = body.Bool("deprecated"))
    et.deprecated = *d;
  else if (!patch)
    et.deprecated = false;
  if (auto s = body.Object("schemas")) {
    // Svix's shape: {"<version>": <JSON Schema>, ...}
    auto versions = core::ParseJson(*s);
    for (const auto& [version, schema] : versions.as_object()) {
      std::string err = schema.is_object() ? core::CheckJsonSchema(schema) : "must be an object";
      if (!err.empty()) body.Fail("schemas", "version '" + std::string(version) + "': " + err);
    }
    et.schemas = *s;
  } else if (!patch || body.IsNull("schemas"))
    et.schemas.reset();
  if (auto f = body.StringList("featureFlags", 10))
    et.feature_flags = *f;
  else if (auto one = body.String("featureFlag", false, 256))
    et.feature_flags = {{*one}};
  else if (!patch || body.IsNull("featureFlags") || body.IsNull("featureFlag"))
    et.feature_flags.reset();
  if (auto g = body.String("groupName", false, 256))
    et.group_name = *g;
  else if (!patch || body.IsNull("groupName"))
    et.group_name.reset();
  if (auto r = body.Bool("expectsReply"))
    et.expects_reply = *r;
  else if (!patch)
    et.expects_reply = false;
}

void List(ApiContext& ctx, Request& req, Reply reply) {
  auto page = ReadPage(req, false, "");
  if (!page) return reply(ErrorResponse(page.error()));
  auto archived = QueryFlag(req, "include_archived", false);
  auto with_content = QueryFlag(req, "with_content", true);
  if (!archived) return reply(ErrorResponse(archived.error()));
  if (!with_content) return reply(ErrorResponse(with_content.error()));
  auto types = ctx.store.ListEventTypes(*page, *archived);
  if (!types) return reply(ErrorResponse(types.error()));
  bool content = *with_content;
  reply(JsonResponse(200, PageJson(*types, [content](const EventType& et) {
                       return EventTypeJson(et, content);
                     })));
}

void Create(ApiContext& ctx, Request& req, Reply reply) {
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  EventType et;
  if (auto name = body->String("name", true)) {
    if (auto err = core::CheckEventTypeName(*name); !err.empty()) body->Fail("name", err);
    et.name = *name;
  }
  ReadFields(*body, et, false);
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  et.id = core::NewId("evtype", ctx.clock);
  et.created_at = et.updated_at = ctx.clock.Now();
  if (auto existing = ctx.store.GetEventType(et.name); existing && existing->archived) {
    // Creating an archived type again brings it back with the new fields.
    et.id = existing->id;
    et.created_at = existing->created_at;
    return IdempotentWrite<EventType>(
        ctx, req, std::move(reply), JsonResponse(201, EventTypeJson(et)),
        [&ctx, et](store::Idempotency idem, store::Done<EventType> done) {
          ctx.store.UpdateEventType(et, std::move(idem), std::move(done));
        });
  }
  IdempotentWrite<EventType>(ctx, req, std::move(reply), JsonResponse(201, EventTypeJson(et)),
                             [&ctx, et](store::Idempotency idem, store::Done<EventType> done) {
                               ctx.store.CreateEventType(et, std::move(idem), std::move(done));
                             });
}

void Get(ApiContext& ctx, Request& req, Reply reply) {
  auto et = ctx.store.GetEventType(req.params[0]);
  reply(et ? JsonResponse(200, EventTypeJson(*et)) : ErrorResponse(et.error()));
}

// PUT updates, or creates the type when it does not exist yet (201). `retry`: a concurrent PUT
// created it first, so this one updates.
void Update(ApiContext& ctx, Request& req, Reply reply, bool patch, bool retry = false) {
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  auto et = ctx.store.GetEventType(req.params[0]);
  bool create = false;
  if (!et) {
    if (patch || et.error().code != core::ErrorCode::kNotFound) {
      return reply(ErrorResponse(et.error()));
    }
    if (auto err = core::CheckEventTypeName(req.params[0]); !err.empty()) {
      return reply(ErrorResponse(
          core::Error{core::ErrorCode::kValidation, "", {{{"path", "event_type_name"}, err}}}));
    }
    create = true;
    et = EventType{.id = core::NewId("evtype", ctx.clock), .name = req.params[0]};
    et->created_at = ctx.clock.Now();
  }
  ReadFields(*body, *et, patch);
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  et->updated_at = ctx.clock.Now();
  if (!create) {
    return ctx.store.UpdateEventType(std::move(*et), std::nullopt,
                                     ReplyWith<EventType>(std::move(reply), [](const EventType& e) {
                                       return JsonResponse(200, EventTypeJson(e));
                                     }));
  }
  auto request = std::make_shared<Request>(req);
  ctx.store.CreateEventType(std::move(*et), std::nullopt,
                            [&ctx, request, reply, retry](core::Result<EventType> r) mutable {
                              if (r) return reply(JsonResponse(201, EventTypeJson(*r)));
                              if (r.error().code == core::ErrorCode::kConflict && !retry)
                                return Update(ctx, *request, std::move(reply), false, true);
                              reply(ErrorResponse(r.error()));
                            });
}
void Put(ApiContext& ctx, Request& req, Reply reply) { Update(ctx, req, std::move(reply), false); }
void Patch(ApiContext& ctx, Request& req, Reply reply) { Update(ctx, req, std::move(reply), true); }

// Archives (hides from lists, keeps history); `?expunge=true` deletes for good.
void Delete(ApiContext& ctx, Request& req, Reply reply) {
  auto expunge = QueryFlag(req, "expunge", false);
  if (!expunge) return reply(ErrorResponse(expunge.error()));
  auto et = ctx.store.GetEventType(req.params[0]);
  if (!et) return reply(ErrorResponse(et.error()));
  if (*expunge) return ctx.store.DeleteEventType(et->name, ReplyNoContent(std::move(reply)));
  et->archived = true;
  et->updated_at = ctx.clock.Now();
  ctx.store.UpdateEventType(std::move(*et), std::nullopt, [reply = std::move(reply)](auto r) {
    reply(r ? NoContent() : ErrorResponse(r.error()));
  });
}

}  // namespace

void RegisterEventTypes(Router& r, ApiContext& ctx) {
  using M = Method;
  r.Add(M::kGet, "/api/v1/event-type", kView, Bind(ctx, List));
  r.Add(M::kPost, "/api/v1/event-type", kAdmin, Bind(ctx, Create));
  r.Add(M::kGet, "/api/v1/event-type/{name}", kView, Bind(ctx, Get));
  r.Add(M::kPut, "/api/v1/event-type/{name}", kAdmin, Bind(ctx, Put));
  r.Add(M::kPatch, "/api/v1/event-type/{name}", kAdmin, Bind(ctx, Patch));
  r.Add(M::kDelete, "/api/v1/event-type/{name}", kAdmin, Bind(ctx, Delete));
}

}  // namespace hookd::api
