// GET /api/v1/app/{app}/alert: every alert sent (or being sent, or given up) about the app's
// endpoints, newest first.
#include "api/handler_util.h"
#include "api/resources.h"
#include "core/time_format.h"

namespace hookd::api {
namespace {

namespace json = boost::json;

json::object AlertJson(const store::Alert& a) {
  auto time = [](const std::optional<core::TimePoint>& t) {
    return t ? json::value(core::FormatTime(*t)) : json::value(nullptr);
  };
  return {{"id", a.id},
          {"endpointId", a.endpoint_id},
          {"eventType", a.rule},
          {"eventId", a.event_id},
          {"channel", a.channel},
          {"recipient", a.recipient},
          {"digest", a.digest},
          {"events", a.events},
          {"status", a.status},
          {"attempts", a.attempts},
          {"error", a.error.empty() ? json::value(nullptr) : json::value(a.error)},
          {"createdAt", core::FormatTime(a.created_at)},
          {"nextAttempt", time(a.next_attempt_at)},
          {"sentAt", time(a.sent_at)}};
}

void List(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto page = ReadPage(req, true, "");
  if (!page) return reply(ErrorResponse(page.error()));
  auto alerts = ctx.store.ListAlerts(app->id, *page);
  if (!alerts) return reply(ErrorResponse(alerts.error()));
  reply(JsonResponse(200, PageJson(*alerts, AlertJson)));
}

}  // namespace

void RegisterAlerts(Router& r, ApiContext& ctx) {
  r.Add(Method::kGet, "/api/v1/app/{app}/alert", kView, Bind(ctx, List));
}

}  // namespace hookd::api
