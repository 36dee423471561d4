#include "api/service.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>

#include "api/errors.h"
#include "api/handler_util.h"
#include "api/resources.h"
#include "core/crypto.h"

namespace hookd::api {

std::string HashToken(std::string_view token) { return core::Sha256Hex(token); }

ApiService::ApiService(store::Store& store, const core::Clock& clock, ApiOptions options,
                       delivery::Engine* engine, ops::TaskRunner* tasks)
    : ctx_{store, clock, std::move(options), metrics_, engine, tasks} {
  RegisterApps(router_, ctx_);
  RegisterEventTypes(router_, ctx_);
  RegisterEndpoints(router_, ctx_);
  RegisterMessages(router_, ctx_);
  RegisterAttempts(router_, ctx_);
  RegisterBackgroundTasks(router_, ctx_);
  RegisterAlerts(router_, ctx_);
  RegisterBatches(router_, ctx_);
  RegisterSources(router_, ctx_);
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
    req.principal = Principal{"admin", std::nullopt};
    return {};
  }
  if (auto hit = ctx_.tokens.Get(hash)) {
    req.principal = *hit;
    return {};
  }
  auto token = ctx_.store.FindTokenByHash(hash);
  if (!token || !core::ConstantTimeEquals(token->hash, hash)) {
    return core::Fail(core::ErrorCode::kUnauthorized, "invalid token");
  }
  req.principal = Principal{token->id, token->app_id};
  ctx_.tokens.Put(hash, req.principal);
  return {};
}

std::optional<Response> ApiService::Screen(Request& head) {
  int status = 404;
  Access access = Access::kToken;
  if (!router_.Match(head, &status, &access)) return std::nullopt;  // health, metrics, 404, 405
  if (access == Access::kPublic) return std::nullopt;
  auto s = Authenticate(head);
  head.authenticated = s.has_value();  // the request keeps its head: Handle() trusts it
  if (s) return std::nullopt;
  auto res = ErrorResponse(s.error());
  metrics_.RecordRequest(res.status, 0);
  return res;
}

void ApiService::Handle(Request req, Reply reply) {
  auto start = std::chrono::steady_clock::now();
  Reply timed = [this, start, reply = std::move(reply)](Response res) {
    metrics_.RecordRequest(
        res.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    reply(std::move(res));
  };
  if (req.method == Method::kGet &&
      (req.path == "/api/v1/health" || req.path == "/api/v1/health/")) {
    return timed(Response{204, ""});
  }
  if (req.method == Method::kGet && req.path == "/metrics") {
    std::string text = metrics_.Render() + RenderStoreMetrics(ctx_.store.Stats());
    if (ctx_.engine) text += RenderDeliveryMetrics(ctx_.engine->Stats());
    return timed(Response{200, std::move(text), "text/plain; version=0.0.4"});
  }
  int status = 404;
  Access access = Access::kToken;
  const Handler* handler = router_.Match(req, &status, &access);
  if (!handler) {
    return timed(
        status == 405
            ? Response{405, R"({"code":"method_not_allowed","detail":"method not allowed"})"}
            : ErrorResponse(core::ErrorCode::kNotFound, "no such route"));
  }
  if (access == Access::kToken && !req.authenticated) {
    if (auto s = Authenticate(req); !s) return timed(ErrorResponse(s.error()));
  }
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
