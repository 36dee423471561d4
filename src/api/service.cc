#include "api/service.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>

#include "api/errors.h"
#include "api/handler_util.h"
#include "api/openapi.h"
#include "api/resources.h"
#include "api/ui.h"
#include "core/crypto.h"
#include "core/ids.h"

namespace hookd::api {

namespace {

Response NoRoute(int status) {
  return status == 405
             ? Response{405, R"({"code":"method_not_allowed","detail":"method not allowed"})"}
             : ErrorResponse(core::ErrorCode::kNotFound, "no such route");
}

}  // namespace

std::string HashToken(std::string_view token) { return core::Sha256Hex(token); }

std::string NewApiToken() { return "hk_" + core::HexEncode(core::RandomBytes(24)); }

ApiService::ApiService(store::Store& store, const core::Clock& clock, ApiOptions options,
                       delivery::Engine* engine, ops::TaskRunner* tasks)
    : ctx_{store, clock, std::move(options), metrics_, engine, tasks} {
  RegisterApps(router_, ctx_);
  RegisterEventTypes(router_, ctx_);
  RegisterEndpoints(router_, ctx_);
  RegisterMessages(router_, ctx_);
  RegisterAttempts(router_, ctx_);
  RegisterStatistics(router_, ctx_);
  RegisterBackgroundTasks(router_, ctx_);
  RegisterAlerts(router_, ctx_);
  RegisterBatches(router_, ctx_);
  RegisterSources(router_, ctx_);
  RegisterAuth(router_, ctx_);
  router_.Add(Method::kGet, "/api/v1/health", kPublic, [](Request&, Reply reply) {
    reply(Response{204, ""});
  });
  router_.Add(Method::kGet, "/metrics", kPublic, [this](Request&, Reply reply) {
    std::string text = metrics_.Render() + RenderStoreMetrics(ctx_.store.Stats());
    if (ctx_.engine) text += RenderDeliveryMetrics(ctx_.engine->Stats());
    if (server_) text += RenderServerMetrics(server_->Stats());
    reply(Response{200, std::move(text), "text/plain; version=0.0.4"});
  });
  RegisterUi(router_);
  RegisterOpenApi(router_);  // last: it documents the routes above
}

core::Status ApiService::Authenticate(Request& req) {
  auto header = req.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header || header->size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), header->begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return core::Fail(core::ErrorCode::kUnauthorized, "missing bearer token");
  }
  std::string hash = HashToken(header->substr(kBearer.size()));
  if (!ctx_.options.admin_token_hash.empty() &&
      core::ConstantTimeEquals(hash, ctx_.options.admin_token_hash)) {
    req.principal = Principal{std::string(kConfiguredAdminId), std::nullopt};
    return {};
  }
  if (auto hit = ctx_.tokens.Get(hash)) {
    req.principal = *hit;
  } else {
    auto token = ctx_.store.FindTokenByHash(hash);
    if (!token || !core::ConstantTimeEquals(token->hash, hash)) {
      return core::Fail(core::ErrorCode::kUnauthorized, "invalid token");
    }
    req.principal = Principal{token->id, token->app_id, token->capabilities, token->expires_at};
    ctx_.tokens.Put(hash, req.principal);
  }
  if (req.principal.expires_at && *req.principal.expires_at <= ctx_.clock.Now())
    return core::Fail(core::ErrorCode::kUnauthorized, "token expired");
  return {};
}

core::Status ApiService::Authorize(Request& req, Access access) {
  if (access.kind == Access::Kind::kPublic) return {};
  if (!req.authenticated) {
    if (auto s = Authenticate(req); !s) return s;
    req.authenticated = true;
  }
  if (access.Allows(req.principal)) return {};
  if (access.kind == Access::Kind::kAdmin)
    return core::Fail(core::ErrorCode::kForbidden, "this operation needs an admin token");
  return core::Fail(core::ErrorCode::kForbidden,
                    "this token lacks the " + std::string(core::CapabilityName(access.capability)) +
                        " capability");
}

std::optional<Response> ApiService::Screen(Request& head) {
  int status = 404;
  Access access = kAdmin;
  const HeadCheck* check = nullptr;
  std::optional<Response> refusal;
  if (!router_.Match(head, &status, &access, &check)) {
    refusal = NoRoute(status);
  } else if (access.kind == Access::Kind::kPublic) {
    if (check) refusal = (*check)(head);
  } else if (auto s = Authorize(head, access); !s) {
    refusal = ErrorResponse(s.error());
  }  // else the request keeps its head, authenticated: Handle() trusts it
  if (refusal) metrics_.RecordRequest(refusal->status, 0);
  return refusal;
}

void ApiService::Handle(Request req, Reply reply) {
  auto start = std::chrono::steady_clock::now();
  Reply timed = [this, start, reply = std::move(reply)](Response res) {
    metrics_.RecordRequest(
        res.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    reply(std::move(res));
  };
  int status = 404;
  Access access = kAdmin;
  const Handler* handler = router_.Match(req, &status, &access);
  if (!handler) return timed(NoRoute(status));
  if (auto s = Authorize(req, access); !s) return timed(ErrorResponse(s.error()));
  auto replied = std::make_shared<std::atomic<bool>>(false);
  Reply once = [replied, timed = std::move(timed)](Response res) {
    if (!replied->exchange(true)) timed(std::move(res));
  };
  try {
    (*handler)(req, once);
  } catch (const std::exception& e) {
    // Handlers report errors as values; reaching here is a bug. Answer 500, keep serving.
    spdlog::error("api: unhandled exception on {}: {}", req.path, e.what());
    once(ErrorResponse(core::ErrorCode::kInternal, "internal error"));
  }
}

}  // namespace hookd::api
