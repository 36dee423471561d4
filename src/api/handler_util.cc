#include "api/handler_util.h"

#include <charconv>

#include "core/crypto.h"
#include "core/ids.h"
#include "core/json_text.h"
#include "core/ops_events.h"
#include "core/time_format.h"
#include "core/validation.h"

namespace hookd::api {
namespace json = boost::json;
using core::ErrorCode;

Response JsonResponse(int status, const json::value& body) {
  return {status, core::JsonText(body)};
}

Response NoContent() { return {204, ""}; }

core::Result<core::App> ResolveApp(ApiContext& ctx, const Request& req, size_t index) {
  const std::string& ref = req.params.at(index);
  auto app = [&]() -> core::Result<core::App> {
    if (auto hit = ctx.apps.Get(ref)) return *hit;
    auto loaded = ctx.store.GetApp(ref);
    if (loaded) ctx.apps.Put(ref, *loaded);
    return loaded;
  }();
  if (!app) return app;
  if (req.principal.app_id && *req.principal.app_id != app->id) {
    return core::NotFound("application");
  }
  if (app->id == core::kOperationsAppId && req.method != Method::kGet &&
      !req.path.starts_with(kOperationalEndpointPath)) {
    return core::NotFound("application");
  }
  return app;
}

core::Result<core::Endpoint> FindEndpoint(ApiContext& ctx, const std::string& app_id,
                                          std::string_view ref) {
  auto ep = ctx.store.GetEndpoint(app_id, ref);
  if (ep && ep->ephemeral) return core::NotFound("endpoint");
  return ep;
}

std::unexpected<core::Error> QueryError(std::string_view name, std::string msg) {
  return std::unexpected(
      core::Error{ErrorCode::kValidation, "", {{{"query", std::string(name)}, std::move(msg)}}});
}

core::Result<std::optional<int>> QueryInt(const Request& req, std::string_view name, int min,
                                          int max) {
  auto v = req.Query(name);
  if (!v) return std::nullopt;
  int n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n < min || n > max) {
    return QueryError(
        name, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return n;
}

std::string PublicBase(const ApiContext& ctx, const Request& req) {
  std::string base = ctx.options.public_url;
  if (base.empty()) base = "http://" + std::string(req.Header("host").value_or("localhost"));
  while (base.ends_with('/')) base.pop_back();
  return base;
}

core::Result<store::PageRequest> ReadPage(const Request& req, bool default_descending,
                                          std::string_view key_prefix) {
  store::PageRequest page;
  page.descending = default_descending;
  auto limit = QueryInt(req, "limit", 1, 250);
  if (!limit) return std::unexpected(limit.error());
  if (*limit) page.limit = **limit;
  if (auto it = req.Query("iterator"); it && !it->empty()) {
    std::string_view key = it->starts_with('-') ? it->substr(1) : *it;
    bool ok = key_prefix.empty() ? core::CheckEventTypeName(key).empty()
                                 : core::HasIdPrefix(key, key_prefix);
    if (!ok) return QueryError("iterator", "is not an iterator of this list");
    page.iterator = std::string(*it);
  }
  if (auto order = req.Query("order")) {
    if (*order == "ascending")
      page.descending = false;
    else if (*order == "descending")
      page.descending = true;
    else
      return QueryError("order", "must be ascending or descending");
  }
  return page;
}

core::Result<bool> QueryFlag(const Request& req, std::string_view name, bool fallback) {
  auto v = req.Query(name);
  if (!v) return fallback;
  if (*v == "true" || *v == "1") return true;
  if (*v == "false" || *v == "0") return false;
  return QueryError(name, "must be true or false");
}

core::Result<std::optional<core::TimePoint>> QueryTime(const Request& req, std::string_view name) {
  auto v = req.Query(name);
  if (!v) return std::nullopt;
  auto t = core::ParseTime(*v);
  if (!t) return QueryError(name, "must be an RFC 3339 time");
  return t;
}

namespace {

struct IdemKey {
  std::string scope, key, fingerprint;
};

std::optional<IdemKey> IdemKeyOf(const Request& req) {
  auto key = req.Header("idempotency-key");
  if (!key || key->empty()) return std::nullopt;
  return IdemKey{req.principal.scope(), std::string(*key),
                 core::Sha256Hex(req.path + '\n' + req.body)};
}

// Replies with the stored answer for `k` and returns true, if there is one.
bool Replay(ApiContext& ctx, const IdemKey& k, Reply& reply) {
  auto record = ctx.store.GetIdempotency(k.scope, k.key);
  if (!record) {
    reply(ErrorResponse(record.error()));
    return true;
  }
  if (!*record) return false;
  if ((*record)->fingerprint != k.fingerprint) {
    reply(ErrorResponse(ErrorCode::kConflict,
                        "idempotency key was already used for a different request"));
    return true;
  }
  // The record may be committed but not yet durable: answer once it is.
  ctx.store.Barrier([reply = std::move(reply), res = Response{(*record)->status, (*record)->body}](
                        core::Status s) { reply(s ? res : ErrorResponse(s.error())); });
  return true;
}

}  // namespace

bool ReplayIdempotent(ApiContext& ctx, const Request& req, Reply& reply) {
  auto k = IdemKeyOf(req);
  return k && Replay(ctx, *k, reply);
}

void ReplyAfterWrite(
    ApiContext& ctx, const Request& req, Reply reply, Response response,
    std::function<void(store::Idempotency, std::function<void(core::Status)>)> write) {
  store::Idempotency idem;
  auto k = IdemKeyOf(req);
  if (k) {
    idem = core::IdempotencyRecord{k->scope,       k->key,
                                   k->fingerprint, response.status,
                                   response.body,  ctx.clock.Now() + ctx.options.idempotency_ttl};
  }
  write(std::move(idem), [&ctx, k = std::move(k), reply = std::move(reply),
                          response = std::move(response)](core::Status s) mutable {
    if (s) return reply(std::move(response));
    if (s.error().code == ErrorCode::kIdempotencyTaken && k) {
      // A concurrent duplicate committed first: answer what it answered.
      if (!Replay(ctx, *k, reply))
        reply(ErrorResponse(ErrorCode::kConflict, "idempotency key is in use"));
      return;
    }
    reply(ErrorResponse(s.error()));
  });
}

}  // namespace hookd::api
