// Customer portal tokens (Svix's auth API): app-scoped, expiring tokens with chosen
// capabilities, their expiry, and logout.
#include <boost/json.hpp>

#include "api/body_reader.h"
#include "api/handler_util.h"
#include "api/resources.h"
#include "api/service.h"
#include "core/ids.h"
#include "core/time_format.h"

namespace hookd::api {
namespace {
namespace json = boost::json;
using core::Capability;

constexpr int64_t kMinExpiry = 3600;           // Svix: between an hour
constexpr int64_t kMaxExpiry = 7 * 24 * 3600;  // and a week, the default

// Reads AppPortalAccessIn's token settings into `token`.
void ReadPortalToken(BodyReader& body, core::Token& token, const core::Clock& clock) {
  core::Capabilities caps = core::kPortalCapabilities;
  if (body.Bool("readOnly").value_or(false)) caps = core::Bit(Capability::kViewBase);
  if (auto names = body.StringList("capabilities")) {
    caps = 0;
    for (const auto& name : *names) {
      auto c = core::ParseCapability(name);
      if (!c || *c == Capability::kManageMessages) {
        body.Fail("capabilities", "unknown capability '" + name + "'");
        continue;
      }
      caps |= core::Bit(*c);
    }
  }
  (void)body.StringList("featureFlags");  // accepted for compatibility
  token.capabilities = core::WithImplied(caps);
  int64_t expiry = body.Int("expiry", kMinExpiry, kMaxExpiry).value_or(kMaxExpiry);
  token.expires_at = clock.Now() + std::chrono::seconds(expiry);
  if (auto session = body.String("sessionId")) {
    if (session->empty() || session->size() > 256)
      body.Fail("sessionId", "must be 1 to 256 characters");
    token.session_id = *session;
  }
}

void Mint(ApiContext& ctx, const Request& req, Reply reply, core::Token token) {
  std::string secret = NewApiToken();
  token.id = core::NewId("tok", ctx.clock);
  token.hash = HashToken(secret);
  token.created_at = ctx.clock.Now();
  std::string url = PublicBase(ctx, req) + "/ui/#token=" + secret;
  ctx.store.CreateToken(std::move(token),
                        [reply = std::move(reply), secret, url](core::Result<core::Token> r) {
                          reply(r ? JsonResponse(200, json::object{{"url", url}, {"token", secret}})
                                  : ErrorResponse(r.error()));
                        });
}

// POST /api/v1/auth/app-portal-access/{app}: a portal token for that app only. An app the path
// names that does not exist yet is created from `application` when given (as in Svix).
void PortalAccess(ApiContext& ctx, Request& req, Reply reply) {
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  core::Token token;
  token.kind = core::Token::Kind::kPortal;
  token.name = "app portal";
  ReadPortalToken(*body, token, ctx.clock);
  auto new_app = ReadNestedApp(*body);
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  ResolveOrCreateApp(ctx, req, std::move(new_app),
                     [&ctx, reply = std::move(reply), token = std::move(token)](
                         Request& req, core::Result<core::App> app) mutable {
                       if (!app) return reply(ErrorResponse(app.error()));
                       token.app_id = app->id;
                       Mint(ctx, req, std::move(reply), std::move(token));
                     });
}

// POST /api/v1/auth/app/{app}/expire-all: the app's portal tokens (of the named sessions, if
// any) expire in `expiry` seconds (default now). Producer keys are not portal tokens.
void ExpireAll(ApiContext& ctx, Request& req, Reply reply) {
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  int64_t expiry = body->Int("expiry", 0, kMaxExpiry).value_or(0);
  auto sessions = body->StringList("sessionIds", 1000).value_or(std::vector<std::string>{});
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  ctx.store.ExpirePortalTokens(app->id, ctx.clock.Now() + std::chrono::seconds(expiry),
                               std::move(sessions),
                               [&ctx, reply = std::move(reply)](core::Status s) {
                                 ctx.tokens.Clear();  // cached principals carry the old expiry
                                 reply(s ? NoContent() : ErrorResponse(s.error()));
                               });
}

// POST /api/v1/auth/logout: deletes the token the request carries. The configured admin token
// is not stored and cannot be logged out.
void Logout(ApiContext& ctx, Request& req, Reply reply) {
  if (req.principal.token_id == kConfiguredAdminId) {
    return reply(ErrorResponse(core::ErrorCode::kForbidden,
                               "the configured admin token cannot be logged out"));
  }
  ctx.store.DeleteToken(req.principal.token_id, [&ctx, reply = std::move(reply)](core::Status s) {
    ctx.tokens.Clear();
    reply(s ? NoContent() : ErrorResponse(s.error()));
  });
}

// GET /api/v1/auth/token: who the calling token is (hookd's own), so a client such as the
// dashboard knows its scope: {admin, appId (null for admin), capabilities, expiresAt (or null)}.
void Describe(ApiContext&, Request& req, Reply reply) {
  const Principal& p = req.principal;
  json::array caps;
  for (const auto& name : core::CapabilityNames(p.capabilities)) caps.emplace_back(name);
  reply(JsonResponse(
      200, json::object{{"admin", p.admin()},
                        {"appId", p.app_id ? json::value(*p.app_id) : nullptr},
                        {"capabilities", std::move(caps)},
                        {"expiresAt",
                         p.expires_at ? json::value(core::FormatTime(*p.expires_at)) : nullptr}}));
}

}  // namespace

void RegisterAuth(Router& r, ApiContext& ctx) {
  using M = Method;
  r.Add(M::kPost, "/api/v1/auth/app-portal-access/{app}", kAdmin, Bind(ctx, PortalAccess));
  r.Add(M::kPost, "/api/v1/auth/app/{app}/expire-all", kAdmin, Bind(ctx, ExpireAll));
  r.Add(M::kPost, "/api/v1/auth/logout", kView, Bind(ctx, Logout));
  r.Add(M::kGet, "/api/v1/auth/token", kView, Bind(ctx, Describe));
}

}  // namespace hookd::api
