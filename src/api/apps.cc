// /api/v1/app: applications (tenants).
#include "api/body_reader.h"
#include "api/failure_policy_json.h"
#include "api/handler_util.h"
#include "api/json_codec.h"
#include "api/resources.h"
#include "core/ids.h"
#include "core/validation.h"

namespace hookd::api {

using core::App;

void ReadAppFields(BodyReader& body, App& app, bool patch) {
  if (auto name = body.String("name", !patch, 256)) {
    if (name->empty()) body.Fail("name", "must not be empty");
    app.name = *name;
  }
  if (auto uid = body.String("uid", false)) {
    if (auto err = core::CheckUid(*uid); !err.empty())
      body.Fail("uid", err);
    else if (core::HasIdPrefix(*uid, "app"))
      body.Fail("uid", "uid must not look like an app id");
    app.uid = *uid;
  } else if (patch && body.IsNull("uid")) {
    app.uid.reset();
  }
  auto rate_key = body.Pick({"throttleRate", "rateLimit"});
  if (auto rate = body.Int(rate_key, 1, 1'000'000))
    app.rate_limit = static_cast<int>(*rate);
  else if (!patch || body.IsNull(rate_key))
    app.rate_limit.reset();
  if (auto md = body.Map("metadata"))
    app.metadata = *md;
  else if (!patch)
    app.metadata.clear();
  if (auto env = body.Map("env")) {
    for (const auto& [k, v] : *env)
      if (k.empty() || k.size() > 128 || k.find_first_of("{} .") != std::string::npos)
        body.Fail("env", "variable name '" + k +
                             "' must be 1-128 characters without spaces, dots or braces");
    app.env = *env;
  } else if (!patch) {
    app.env.clear();
  }
  ReadFailurePolicy(body, app.failure_policy, patch);
  ReadNotifications(body, app.notifications, patch);
}

std::optional<App> ReadNestedApp(BodyReader& body) {
  auto nested = body.Nested("application");
  if (!nested) return std::nullopt;
  App app;
  ReadAppFields(*nested, app, false);
  body.Absorb(*nested);
  return app;
}

void ResolveOrCreateApp(ApiContext& ctx, Request& req, std::optional<App> nested,
                        std::function<void(Request&, core::Result<App>)> then) {
  auto app = ResolveApp(ctx, req);
  if (nested && nested->uid != req.params[0] && (!app || nested->uid != app->uid)) {
    return then(req,
                core::Invalid("application.uid", "must be the uid of the application in the path"));
  }
  if (app || !nested || app.error().code != core::ErrorCode::kNotFound || !req.principal.admin())
    return then(req, std::move(app));
  auto request = std::make_shared<Request>(req);
  nested->id = core::NewId("app", ctx.clock);
  nested->created_at = nested->updated_at = ctx.clock.Now();
  ctx.store.CreateApp(*nested, std::nullopt,
                      [&ctx, request, then = std::move(then)](core::Result<App> created) {
                        // Lost a race with a concurrent creation: use the winner.
                        if (!created && created.error().code == core::ErrorCode::kConflict)
                          created = ResolveApp(ctx, *request);
                        then(*request, std::move(created));
                      });
}

namespace {

void List(ApiContext& ctx, Request& req, Reply reply) {
  auto page = ReadPage(req, false, "app");
  if (!page) return reply(ErrorResponse(page.error()));
  auto apps = ctx.store.ListApps(*page);
  if (!apps) return reply(ErrorResponse(apps.error()));
  reply(JsonResponse(200, PageJson(*apps, AppJson)));
}

void Create(ApiContext& ctx, Request& req, Reply reply) {
  auto get_if_exists = QueryFlag(req, "get_if_exists", false);
  if (!get_if_exists) return reply(ErrorResponse(get_if_exists.error()));
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  App app;
  ReadAppFields(*body, app, false);
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  bool get = *get_if_exists && app.uid;
  if (get) {
    if (auto existing = ctx.store.GetApp(*app.uid)) {
      // A retried getOrCreate answers what it answered first (201 if it created the app).
      if (ReplayIdempotent(ctx, req, reply)) return;
      return reply(JsonResponse(200, AppJson(*existing)));
    }
  }
  app.id = core::NewId("app", ctx.clock);
  app.created_at = app.updated_at = ctx.clock.Now();
  if (get) {
    // A concurrent getOrCreate may win the uid: then answer with its app.
    Reply inner = [&ctx, reply, uid = *app.uid](Response res) {
      if (res.status != 409) return reply(std::move(res));
      auto existing = ctx.store.GetApp(uid);
      reply(existing ? JsonResponse(200, AppJson(*existing)) : std::move(res));
    };
    reply = std::move(inner);
  }
  IdempotentWrite<App>(ctx, req, std::move(reply), JsonResponse(201, AppJson(app)),
                       [&ctx, app](store::Idempotency idem, store::Done<App> done) {
                         ctx.store.CreateApp(app, std::move(idem), std::move(done));
                       });
}

void Get(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  reply(app ? JsonResponse(200, AppJson(*app)) : ErrorResponse(app.error()));
}

// PUT updates, or creates the app with the path parameter as its uid (201). `retry`: a
// concurrent PUT created it first, so this one updates.
void Update(ApiContext& ctx, Request& req, Reply reply, bool patch, bool retry = false) {
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  auto app = ResolveApp(ctx, req);
  bool create = false;
  if (!app) {
    if (patch || app.error().code != core::ErrorCode::kNotFound ||
        !core::CheckUid(req.params[0]).empty() || core::HasIdPrefix(req.params[0], "app")) {
      return reply(ErrorResponse(app.error()));
    }
    create = true;
    app = App{.id = core::NewId("app", ctx.clock), .uid = req.params[0]};
    app->created_at = ctx.clock.Now();
  }
  ReadAppFields(*body, *app, patch);
  // PUT replaces, uid included (as Svix); one it creates is named by the path.
  if (!patch && !create && !body->Present("uid")) app->uid.reset();
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  app->updated_at = ctx.clock.Now();
  // Cached copies go once the change is durable (the reply follows the commit).
  reply = [&ctx, reply = std::move(reply)](Response res) {
    ctx.apps.Clear();
    reply(std::move(res));
  };
  if (!create) {
    return ctx.store.UpdateApp(std::move(*app), ReplyWith<App>(std::move(reply), [](const App& a) {
                                 return JsonResponse(200, AppJson(a));
                               }));
  }
  auto request = std::make_shared<Request>(req);
  ctx.store.CreateApp(std::move(*app), std::nullopt,
                      [&ctx, request, reply, retry](core::Result<App> r) mutable {
                        if (r) return reply(JsonResponse(201, AppJson(*r)));
                        if (r.error().code == core::ErrorCode::kConflict && !retry)
                          return Update(ctx, *request, std::move(reply), false, true);
                        reply(ErrorResponse(r.error()));
                      });
}

void Put(ApiContext& ctx, Request& req, Reply reply) { Update(ctx, req, std::move(reply), false); }
void Patch(ApiContext& ctx, Request& req, Reply reply) { Update(ctx, req, std::move(reply), true); }

void Delete(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  ctx.store.DeleteApp(app->id, [&ctx, reply = std::move(reply)](core::Status s) {
    ctx.apps.Clear();    // after the commit, so no reader caches the deleted app again
    ctx.tokens.Clear();  // its tokens went with it
    reply(s ? NoContent() : ErrorResponse(s.error()));
  });
}

}  // namespace

void RegisterApps(Router& r, ApiContext& ctx) {
  using M = Method;
  r.Add(M::kGet, "/api/v1/app", kAdmin, Bind(ctx, List));
  r.Add(M::kPost, "/api/v1/app", kAdmin, Bind(ctx, Create));
  r.Add(M::kGet, "/api/v1/app/{app}", kView, Bind(ctx, Get));
  r.Add(M::kPut, "/api/v1/app/{app}", kAdmin, Bind(ctx, Put));
  r.Add(M::kPatch, "/api/v1/app/{app}", kAdmin, Bind(ctx, Patch));
  r.Add(M::kDelete, "/api/v1/app/{app}", kAdmin, Bind(ctx, Delete));
}

}  // namespace hookd::api
