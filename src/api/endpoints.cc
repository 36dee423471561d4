// /api/v1/app/{app}/endpoint: subscriber endpoints, their secrets and custom headers.
#include <algorithm>

#include "api/body_reader.h"
#include "api/delivery_options.h"
#include "api/failure_policy_json.h"
#include "api/handler_util.h"
#include "api/json_codec.h"
#include "api/resources.h"
#include "core/crypto.h"
#include "core/ids.h"
#include "core/ops_events.h"
#include "core/text.h"
#include "core/validation.h"

namespace hookd::api {
namespace {

using core::Endpoint;
namespace json = boost::json;

// Svix accepts a secret with or without its "whsec_" prefix.
std::string WithSecretPrefix(const std::string& s) {
  return s.starts_with("whsec_") ? s : "whsec_" + s;
}

// Reads EndpointIn / EndpointUpdate / EndpointPatch fields. `patch`: absent fields are kept.
void ReadFields(BodyReader& body, Endpoint& ep, bool patch, const core::StringMap& env) {
  ReadDeliveryOptions(body, ep, patch, &env);
  if (auto d = body.String("description", false, 4096))
    ep.description = *d;
  else if (!patch)
    ep.description.clear();
  if (auto uid = body.String("uid")) {
    if (auto err = core::CheckUid(*uid); !err.empty())
      body.Fail("uid", err);
    else if (core::HasIdPrefix(*uid, "ep"))
      body.Fail("uid", "uid must not look like an endpoint id");
    ep.uid = *uid;
  } else if (patch && body.IsNull("uid")) {
    ep.uid.reset();
  }
  if (auto d = body.Bool("disabled"))
    ep.disabled = *d;
  else if (!patch)
    ep.disabled = false;
  auto types_key = body.Pick({"filterTypes", "eventTypes"});
  if (auto types = body.StringList(types_key, 1000)) {
    if (types->empty()) body.Fail(types_key, "must not be empty (omit it to receive every type)");
    for (const auto& t : *types)
      if (auto err = core::CheckEventTypeName(t); !err.empty()) body.Fail(types_key, err);
    ep.event_types = *types;
  } else if (!patch || body.IsNull(types_key)) {
    ep.event_types.reset();
  }
  if (auto ch = body.StringList("channels", 10)) {
    if (ch->empty()) body.Fail("channels", "must not be empty (omit it to receive every channel)");
    for (const auto& c : *ch)
      if (auto err = core::CheckChannel(c); !err.empty()) body.Fail("channels", err);
    ep.channels = *ch;
  } else if (!patch || body.IsNull("channels")) {
    ep.channels.reset();
  }
  auto rate_key = body.Pick({"throttleRate", "rateLimit"});
  if (auto rate = body.Int(rate_key, 1, 1'000'000))
    ep.throttle_rate = static_cast<int>(*rate);
  else if (!patch || body.IsNull(rate_key))
    ep.throttle_rate.reset();
  if (auto v = body.Int("version", 1, 1'000'000)) ep.version = static_cast<int>(*v);
  if (auto md = body.Map("metadata"))
    ep.metadata = *md;
  else if (!patch)
    ep.metadata.clear();
  ReadFailurePolicy(body, ep.failure_policy, patch);
  if (auto url = body.String("fallbackUrl", false, 4096)) {
    if (auto err = core::CheckUrl(*url); !err.empty()) body.Fail("fallbackUrl", err);
    ep.fallback_url = *url;
  } else if (!patch || body.IsNull("fallbackUrl")) {
    ep.fallback_url.reset();
  }
}

void List(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto page = ReadPage(req, true, "ep");  // newest first by default, as Svix
  if (!page) return reply(ErrorResponse(page.error()));
  auto eps = ctx.store.ListEndpoints(app->id, *page);
  if (!eps) return reply(ErrorResponse(eps.error()));
  reply(JsonResponse(200, PageJson(*eps, EndpointJson)));
}

// The operational events about `before` becoming `after` (no `before`: created; no `after`:
// deleted). The operations app's own endpoints cause none.
std::vector<core::OpsEvent> ChangeEvents(ApiContext& ctx, const core::App& app,
                                         const Endpoint* before, const Endpoint* after) {
  namespace ops = core::ops;
  std::vector<core::OpsEvent> out;
  if (app.id == core::kOperationsAppId) return out;
  const Endpoint& ep = after ? *after : *before;
  core::EndpointRef ref{app.id, app.uid, ep.id, ep.uid};
  auto id = [&ctx] { return core::NewId("msg", ctx.clock); };
  if (!before) {
    out.push_back(core::EndpointEvent(ops::kEndpointCreated, ref, id()));
  } else if (!after) {
    out.push_back(core::EndpointEvent(ops::kEndpointDeleted, ref, id()));
  } else {
    out.push_back(core::EndpointEvent(ops::kEndpointUpdated, ref, id()));
    if (before->disabled && !after->disabled)
      out.push_back(core::EndpointEvent(ops::kEndpointEnabled, ref, id()));
    if (!before->disabled && after->disabled)
      out.push_back(core::EndpointDisabledEvent(ref, ctx.clock.Now(), "manual", id()));
  }
  return out;
}

// Event types an endpoint filters on must exist (as Svix): in the catalogue, or for an
// operational endpoint among the operational events. A source's endpoints filter on what its
// routes name. Types the endpoint had already are not checked again.
void CheckFilterTypes(ApiContext& ctx, const core::App& app, BodyReader& body, const Endpoint& ep,
                      const Endpoint* before) {
  if (!ep.event_types || core::HasIdPrefix(app.id, "src")) return;
  for (const auto& type : *ep.event_types) {
    if (before && before->event_types &&
        std::ranges::find(*before->event_types, type) != before->event_types->end())
      continue;
    bool known = app.id == core::kOperationsAppId
                     ? std::ranges::find(core::ops::kAll, type) != std::end(core::ops::kAll)
                     : ctx.store.GetEventType(type).has_value();
    if (!known) body.Fail("filterTypes", "event type '" + type + "' does not exist");
  }
}

// Creates an endpoint of `app` from `body`; `uid` (from a PUT's path) applies unless the body
// names one.
void Insert(ApiContext& ctx, const Request& req, Reply reply, const core::App& app,
            BodyReader& body, std::optional<std::string> uid) {
  Endpoint ep;
  ReadFields(body, ep, false, app.env);
  CheckFilterTypes(ctx, app, body, ep, nullptr);
  if (!ep.uid) ep.uid = std::move(uid);
  if (auto secret = body.String("secret")) {
    std::string key = WithSecretPrefix(*secret);
    if (auto err = core::CheckSecret(key); !err.empty()) body.Fail("secret", err);
    ep.secrets.push_back({key, std::nullopt});
  } else {
    ep.secrets.push_back({core::NewEndpointSecret(), std::nullopt});
  }
  if (auto headers = body.Map("headers")) {
    CheckHeaders(body, "headers", *headers);
    ep.headers = *headers;
  }
  if (auto s = body.Finish(); !s) return reply(ErrorResponse(s.error()));
  ep.id = core::NewId("ep", ctx.clock);
  ep.app_id = app.id;
  ep.created_at = ep.updated_at = ctx.clock.Now();
  auto events = ChangeEvents(ctx, app, nullptr, &ep);
  IdempotentWrite<Endpoint>(
      ctx, req, std::move(reply), JsonResponse(201, EndpointJson(ep)),
      [&ctx, ep, events](store::Idempotency idem, store::Done<Endpoint> done) {
        ctx.store.CreateEndpoint(ep, std::move(idem), events, std::move(done));
      });
}

void Create(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  Insert(ctx, req, std::move(reply), *app, *body, std::nullopt);
}

// The endpoint named by path parameter 1 within the app of parameter 0.
core::Result<Endpoint> ResolveEndpoint(ApiContext& ctx, const Request& req) {
  auto app = ResolveApp(ctx, req);
  if (!app) return std::unexpected(app.error());
  return FindEndpoint(ctx, app->id, req.params.at(1));
}

void Get(ApiContext& ctx, Request& req, Reply reply) {
  auto ep = ResolveEndpoint(ctx, req);
  reply(ep ? JsonResponse(200, EndpointJson(*ep)) : ErrorResponse(ep.error()));
}

// Writes `ep` (changed from `before`) back and answers with `ok` (or the endpoint JSON when ok
// is unset).
void Save(ApiContext& ctx, const core::App& app, const Endpoint& before, Endpoint ep, Reply reply,
          std::optional<Response> ok = std::nullopt) {
  ep.updated_at = ctx.clock.Now();
  auto events = ChangeEvents(ctx, app, &before, &ep);
  ctx.store.UpdateEndpoint(std::move(ep), std::nullopt, std::move(events),
                           ReplyWith<Endpoint>(std::move(reply), [ok](const Endpoint& e) {
                             return ok ? *ok : JsonResponse(200, EndpointJson(e));
                           }));
}

// PUT replaces (or creates, named by the path's uid); PATCH changes the fields given.
void Update(ApiContext& ctx, Request& req, Reply reply, bool patch) {
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  const std::string& ref = req.params.at(1);
  auto ep = FindEndpoint(ctx, app->id, ref);
  if (!ep && ep.error().code == core::ErrorCode::kNotFound && !patch &&
      !core::HasIdPrefix(ref, "ep") && core::CheckUid(ref).empty()) {
    return Insert(ctx, req, std::move(reply), *app, *body, ref);
  }
  if (!ep) return reply(ErrorResponse(ep.error()));
  Endpoint before = *ep;
  ReadFields(*body, *ep, patch, app->env);
  CheckFilterTypes(ctx, *app, *body, *ep, &before);
  if (!patch && !body->Present("uid")) ep->uid.reset();  // PUT replaces, uid included (as Svix)
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  Save(ctx, *app, before, std::move(*ep), std::move(reply));
}
void Put(ApiContext& ctx, Request& req, Reply reply) { Update(ctx, req, std::move(reply), false); }
void Patch(ApiContext& ctx, Request& req, Reply reply) { Update(ctx, req, std::move(reply), true); }

void Delete(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto ep = FindEndpoint(ctx, app->id, req.params.at(1));
  if (!ep) return reply(ErrorResponse(ep.error()));
  ctx.store.DeleteEndpoint(ep->app_id, ep->id, ChangeEvents(ctx, *app, &*ep, nullptr),
                           ReplyNoContent(std::move(reply)));
}

void GetSecret(ApiContext& ctx, Request& req, Reply reply) {
  auto ep = ResolveEndpoint(ctx, req);
  if (!ep) return reply(ErrorResponse(ep.error()));
  reply(JsonResponse(200, json::object{{"key", ep->secrets.front().key}}));
}

// New current key (given or generated); the previous one stays valid for the grace period.
void RotateSecret(ApiContext& ctx, Request& req, Reply reply) {
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto ep = FindEndpoint(ctx, app->id, req.params.at(1));
  if (!ep) return reply(ErrorResponse(ep.error()));
  Endpoint before = *ep;
  std::string key = core::NewEndpointSecret();
  if (auto given = body->String("key")) {
    key = WithSecretPrefix(*given);
    if (auto err = core::CheckSecret(key); !err.empty()) body->Fail("key", err);
  }
  auto grace = std::chrono::seconds(body->Int("gracePeriodSeconds", 0, 7 * 86400)
                                        .value_or(std::chrono::duration_cast<std::chrono::seconds>(
                                                      ctx.options.secret_rotation_grace)
                                                      .count()));
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  auto now = ctx.clock.Now();
  std::erase_if(ep->secrets, [now](const core::EndpointSecret& s) {
    return s.expires_at && *s.expires_at <= now;
  });
  // Every valid key signs each delivery: as Svix does, at most five old keys at once.
  constexpr size_t kMaxOldKeys = 5;
  if (ep->secrets.size() > kMaxOldKeys) {
    return reply(JsonResponse(
        400,
        json::object{{"code", "limit_reached"},
                     {"detail", "a secret can be rotated at most " + std::to_string(kMaxOldKeys) +
                                    " times while the old keys are still valid; wait for "
                                    "the oldest to expire"}}));
  }
  ep->secrets.front().expires_at = now + grace;
  ep->secrets.insert(ep->secrets.begin(), {key, std::nullopt});
  ep->updated_at = now;
  auto events = ChangeEvents(ctx, *app, &before, &*ep);
  IdempotentWrite<Endpoint>(
      ctx, req, std::move(reply), NoContent(),
      [&ctx, e = std::move(*ep), events](store::Idempotency idem, store::Done<Endpoint> done) {
        ctx.store.UpdateEndpoint(e, std::move(idem), events, std::move(done));
      });
}

void GetHeaders(ApiContext& ctx, Request& req, Reply reply) {
  auto ep = ResolveEndpoint(ctx, req);
  if (!ep) return reply(ErrorResponse(ep.error()));
  // Credentials are write-only: their names are listed as sensitive, their values never shown.
  json::object headers;
  json::array sensitive;
  for (const auto& [name, value] : ep->headers) {
    if (core::IsCredentialHeader(name))
      sensitive.emplace_back(name);
    else
      headers[name] = value;
  }
  reply(JsonResponse(
      200, json::object{{"headers", std::move(headers)}, {"sensitive", std::move(sensitive)}}));
}

// PUT replaces the header set; PATCH merges, and a null value or a name in deleteHeaders
// removes that header.
void UpdateHeaders(ApiContext& ctx, Request& req, Reply reply, bool patch) {
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto ep = FindEndpoint(ctx, app->id, req.params.at(1));
  if (!ep) return reply(ErrorResponse(ep.error()));
  Endpoint before = *ep;
  const json::value* headers = body->Value("headers");
  if (!headers || !headers->is_object()) {
    body->Fail("headers", "field required: an object of header names to values",
               "value_error.missing");
    return reply(ErrorResponse(body->Finish().error()));
  }
  core::StringMap merged = patch ? ep->headers : core::StringMap{};
  core::StringMap given;
  for (const auto& [k, v] : headers->as_object()) {
    std::string name(k);
    if (v.is_null() && patch)
      merged.erase(name);
    else if (v.is_string())
      given[name] = merged[name] = std::string(v.as_string());
    else
      body->Fail("headers", "value of '" + name + "' must be a string", "type_error.str");
  }
  if (patch) {
    if (auto names = body->StringList("deleteHeaders"))
      for (const auto& n : *names) merged.erase(n);
  }
  CheckHeaders(*body, "headers", given);
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  ep->headers = std::move(merged);
  Save(ctx, *app, before, std::move(*ep), std::move(reply), NoContent());
}
void PutHeaders(ApiContext& ctx, Request& req, Reply reply) {
  UpdateHeaders(ctx, req, std::move(reply), false);
}
void PatchHeaders(ApiContext& ctx, Request& req, Reply reply) {
  UpdateHeaders(ctx, req, std::move(reply), true);
}

// The same handler for an operational webhook endpoint: an endpoint of the operations app,
// whose path names no app.
Handler Operational(ApiContext& ctx, ContextHandler fn) {
  return [&ctx, fn](Request& req, Reply reply) {
    req.params.insert(req.params.begin(), std::string(core::kOperationsAppId));
    fn(ctx, req, std::move(reply));
  };
}

}  // namespace

std::span<const ResourceRoute> EndpointRoutes() {
  using M = Method;
  static const ResourceRoute kRoutes[] = {
      {M::kGet, "", kView, List},
      {M::kPost, "", kManageEndpoint, Create},
      {M::kGet, "/{endpoint}", kView, Get},
      {M::kPut, "/{endpoint}", kManageEndpoint, Put},
      {M::kPatch, "/{endpoint}", kManageEndpoint, Patch},
      {M::kDelete, "/{endpoint}", kManageEndpoint, Delete},
      {M::kGet, "/{endpoint}/secret", kViewSecret, GetSecret},
      {M::kPost, "/{endpoint}/secret/rotate", kManageSecret, RotateSecret},
      {M::kGet, "/{endpoint}/headers", kView, GetHeaders},
      {M::kPut, "/{endpoint}/headers", kManageEndpoint, PutHeaders},
      {M::kPatch, "/{endpoint}/headers", kManageEndpoint, PatchHeaders},
  };
  return kRoutes;
}

void RegisterEndpoints(Router& r, ApiContext& ctx) {
  for (const auto& route : EndpointRoutes()) {
    r.Add(route.method, std::string("/api/v1/app/{app}/endpoint") + route.path, route.access,
          Bind(ctx, route.handler));
    r.Add(route.method, std::string(kOperationalEndpointPath) + route.path, kAdmin,
          Operational(ctx, route.handler));
  }
}

}  // namespace hookd::api
