// Delivery statistics from the store's aggregates (stats_store.h): an app's or endpoint's
// deliveries over time, and its endpoints' health at a glance. No request scans attempts.
#include "api/body_reader.h"
#include "api/resources.h"
#include "core/ids.h"
#include "core/ops_events.h"
#include "core/time_format.h"

namespace hookd::api {
namespace {

namespace json = boost::json;
using store::StatsCounts;

// The most buckets one answer carries.
constexpr int64_t kMaxBuckets = 2000;
// The most endpoints one health request names.
constexpr size_t kMaxHealthEndpoints = 250;

json::value Ms(std::optional<double> ms) {
  if (!ms) return nullptr;
  return std::round(*ms * 10) / 10;
}

json::object CountsJson(const StatsCounts& c) {
  json::object failures;
  for (int i = 0; i < store::kFailureReasons; ++i) {
    auto r = static_cast<store::FailureReason>(i);
    failures[store::FailureReasonName(r)] = c.reason(r);
  }
  return {{"succeeded", c.succeeded()},
          {"failed", c.failed()},
          {"firstAttempts", c.first_attempts()},
          {"latencyP50Ms", Ms(c.LatencyMs(0.5))},
          {"latencyP99Ms", Ms(c.LatencyMs(0.99))},
          {"failures", std::move(failures)}};
}

// The bucket size a range gets by default: minutes up to 3 hours, 10 minutes up to 2 days, hours
// beyond.
int64_t DefaultInterval(std::chrono::seconds span) {
  if (span <= std::chrono::hours(3)) return 60;
  if (span <= std::chrono::hours(48)) return 600;
  return 3600;
}

// GET /api/v1/app/{app}/stats/delivery?since&until&endpoint_id&interval: attempts per bucket (each
// bucket's start, counts and latency), and the range's totals.
void Delivery(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto since = QueryTime(req, "since");
  if (!since) return reply(ErrorResponse(since.error()));
  auto until = QueryTime(req, "until");
  if (!until) return reply(ErrorResponse(until.error()));
  store::StatsQuery q{.app_id = app->id};
  q.until = until->value_or(ctx.clock.Now());
  q.since = since->value_or(q.until - std::chrono::hours(1));
  if (q.since >= q.until)
    return reply(ErrorResponse(QueryError("since", "must be before until").error()));
  auto span = std::chrono::duration_cast<std::chrono::seconds>(q.until - q.since);
  auto interval = QueryInt(req, "interval", 60, 7 * 86400);
  if (!interval) return reply(ErrorResponse(interval.error()));
  q.bucket_secs = interval->value_or(DefaultInterval(span));
  if (q.bucket_secs % 60 != 0)
    return reply(
        ErrorResponse(QueryError("interval", "must be a whole number of minutes").error()));
  if (span.count() / q.bucket_secs > kMaxBuckets) {
    return reply(
        ErrorResponse(QueryError("interval", "gives more than " + std::to_string(kMaxBuckets) +
                                                 " buckets for the range")
                          .error()));
  }
  if (auto ep = req.Query("endpoint_id")) {
    auto found = FindEndpoint(ctx, app->id, *ep);
    if (!found) return reply(ErrorResponse(found.error()));
    q.endpoint_id = found->id;
  }
  // Whole buckets: the first one holding `since`.
  auto start = store::stats_sql::Seconds(q.since) / q.bucket_secs * q.bucket_secs;
  q.since = store::stats_sql::FromSeconds(start);
  auto points = ctx.store.ReadStats(q);
  if (!points) return reply(ErrorResponse(points.error()));
  json::array data;
  StatsCounts total;
  for (const auto& p : *points) {
    auto row = CountsJson(p.counts);
    row.emplace("start", core::FormatTime(p.start));
    data.push_back(std::move(row));
    total.Merge(p.counts);
  }
  reply(JsonResponse(200, json::object{{"since", core::FormatTime(q.since)},
                                       {"until", core::FormatTime(q.until)},
                                       {"interval", q.bucket_secs},
                                       {"endpointId", q.endpoint_id ? json::value(*q.endpoint_id)
                                                                    : json::value(nullptr)},
                                       {"data", std::move(data)},
                                       {"total", CountsJson(total)}}));
}

// GET /api/v1/app/{app}/stats/endpoint-health?endpoint_id=...: each named endpoint's (else the
// app's first 250) attempts over the last hour and day, last failure and held deliveries.
void Health(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  std::vector<core::Endpoint> endpoints;
  auto refs = req.QueryAll("endpoint_id");
  if (refs.size() > kMaxHealthEndpoints) {
    return reply(ErrorResponse(
        QueryError("endpoint_id", "at most " + std::to_string(kMaxHealthEndpoints) + " endpoints")
            .error()));
  }
  for (const auto& ref : refs) {
    auto ep = FindEndpoint(ctx, app->id, ref);
    if (!ep) return reply(ErrorResponse(ep.error()));
    endpoints.push_back(std::move(*ep));
  }
  if (refs.empty()) {
    auto page = ctx.store.ListEndpoints(app->id, {.limit = kMaxHealthEndpoints});
    if (!page) return reply(ErrorResponse(page.error()));
    endpoints = std::move(page->data);
  }
  std::vector<std::string> ids;
  for (const auto& ep : endpoints) ids.push_back(ep.id);
  auto health = ctx.store.ReadEndpointHealth(app->id, ids, ctx.clock.Now());
  if (!health) return reply(ErrorResponse(health.error()));
  json::array data;
  for (size_t i = 0; i < health->size(); ++i) {
    const auto& h = (*health)[i];
    data.push_back(json::object{
        {"endpointId", h.endpoint_id},
        {"disabled", endpoints[i].disabled},
        {"lastHour", CountsJson(h.last_hour)},
        {"lastDay", CountsJson(h.last_day)},
        {"lastFailureAt",
         h.last_failure_at ? json::value(core::FormatTime(*h.last_failure_at)) : nullptr},
        {"held", h.held}});
  }
  reply(JsonResponse(200, json::object{{"data", std::move(data)}}));
}

// POST /api/v1/stats/usage/app {since, until, appIds?} (Svix's statistics.aggregateAppStats):
// each app's message destinations (deliveries first attempted) in the range, as a background
// task that is finished at once (the aggregates answer without a scan). Environment-wide tasks
// are kept under the operations app, which only admin tokens reach.
void AppUsage(ApiContext& ctx, Request& req, Reply reply) {
  auto body = BodyReader::Parse(req.body);
  if (!body) return reply(ErrorResponse(body.error()));
  auto since = body->Time("since", true);
  auto until = body->Time("until", true);
  auto refs = body->StringList("appIds", 1000).value_or(std::vector<std::string>{});
  if (since && until && *since >= *until) body->Fail("since", "must be before until");
  if (auto s = body->Finish(); !s) return reply(ErrorResponse(s.error()));
  std::vector<std::string> ids;
  json::array unresolved;
  for (const auto& ref : refs) {
    auto app = ctx.store.GetApp(ref);
    if (!app && app.error().code != core::ErrorCode::kNotFound)
      return reply(ErrorResponse(app.error()));
    if (app && app->id != core::kOperationsAppId)
      ids.push_back(app->id);
    else
      unresolved.push_back(json::value(ref));
  }
  if (!refs.empty() && ids.empty())
    return reply(ErrorResponse(core::ErrorCode::kValidation, "none of the appIds was found"));
  auto usage = ctx.store.ReadAppUsage(*since, *until, ids);
  if (!usage) return reply(ErrorResponse(usage.error()));
  json::array stats;
  for (const auto& u : *usage) {
    if (u.app_id == core::kOperationsAppId) continue;
    stats.push_back(json::object{{"messageDestinations", u.message_destinations},
                                 {"appId", u.app_id},
                                 {"appUid", u.app_uid ? json::value(*u.app_uid) : nullptr}});
  }
  store::BackgroundTask task;
  task.id = core::NewId("qtask", ctx.clock);
  task.app_id = std::string(core::kOperationsAppId);
  task.kind = store::TaskKind::kAppStats;
  task.status = store::TaskStatus::kFinished;
  task.created_at = task.updated_at = ctx.clock.Now();
  task.result = json::serialize(json::object{{"appStats", std::move(stats)}});
  ctx.store.CreateTask(task, std::nullopt,
                       [reply = std::move(reply),
                        unresolved = std::move(unresolved)](core::Result<store::BackgroundTask> t) {
                         if (!t) return reply(ErrorResponse(t.error()));
                         auto out = TaskJson(*t);
                         out["unresolvedAppIds"] = unresolved;
                         reply(JsonResponse(202, out));
                       });
}

}  // namespace

void RegisterStatistics(Router& r, ApiContext& ctx) {
  using M = Method;
  r.Add(M::kGet, "/api/v1/app/{app}/stats/delivery", kView, Bind(ctx, Delivery));
  r.Add(M::kGet, "/api/v1/app/{app}/stats/endpoint-health", kView, Bind(ctx, Health));
  r.Add(M::kPost, "/api/v1/stats/usage/app", kAdmin, Bind(ctx, AppUsage));
}

}  // namespace hookd::api
