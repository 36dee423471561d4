// Delivery history and control: attempts, per-message and per-endpoint delivery state, resend,
// and endpoint stats.
#include <unordered_map>

#include "api/body_reader.h"
#include "api/handler_util.h"
#include "api/json_codec.h"
#include "api/request_json.h"
#include "api/resources.h"
#include "core/ids.h"
#include "core/json_text.h"
#include "core/time_format.h"
#include "delivery/request_builder.h"

namespace hookd::api {
namespace {

namespace json = boost::json;
using core::DeliveryStatus;

// status, status_code_class, event_types, channel, before, after.
core::Result<store::AttemptFilter> ReadFilter(const Request& req) {
  store::AttemptFilter f;
  auto status = QueryInt(req, "status", 0, 4);
  if (!status) return std::unexpected(status.error());
  if (*status) f.status = static_cast<DeliveryStatus>(**status);
  auto cls = QueryInt(req, "status_code_class", 0, 500);
  if (!cls) return std::unexpected(cls.error());
  if (*cls) {
    if (**cls % 100 != 0) return QueryError("status_code_class", "must be 0, 100, ..., 500");
    f.status_code_class = **cls;
  }
  f.event_types = req.QueryAll("event_types");
  if (auto ch = req.Query("channel")) f.channel = std::string(*ch);
  auto before = QueryTime(req, "before");
  if (!before) return std::unexpected(before.error());
  auto after = QueryTime(req, "after");
  if (!after) return std::unexpected(after.error());
  f.before = *before;
  f.after = *after;
  return f;
}

// What the filtered history lists share: the app, a page (newest first) and the filter.
struct HistoryQuery {
  core::App app;
  store::PageRequest page;
  store::AttemptFilter filter;
};
core::Result<HistoryQuery> ReadHistoryQuery(ApiContext& ctx, const Request& req,
                                            std::string_view key_prefix) {
  auto app = ResolveApp(ctx, req);
  if (!app) return std::unexpected(app.error());
  auto page = ReadPage(req, true, key_prefix);
  if (!page) return std::unexpected(page.error());
  auto filter = ReadFilter(req);
  if (!filter) return std::unexpected(filter.error());
  return HistoryQuery{std::move(*app), *page, std::move(*filter)};
}

// Lists attempts filtered by message (path param 1) or endpoint.
void ListAttempts(ApiContext& ctx, Request& req, Reply reply, bool by_message) {
  auto q = ReadHistoryQuery(ctx, req, "atmpt");
  if (!q) return reply(ErrorResponse(q.error()));
  auto with_msg = QueryFlag(req, "with_msg", false);
  if (!with_msg) return reply(ErrorResponse(with_msg.error()));
  const core::App& app = q->app;
  store::AttemptFilter& filter = q->filter;
  if (by_message) {
    auto msg = ctx.store.GetMessage(app.id, req.params[1]);
    if (!msg) return reply(ErrorResponse(msg.error()));
    filter.msg_id = msg->id;
    if (auto ep_ref = req.Query("endpoint_id")) {
      auto ep = FindEndpoint(ctx, app.id, *ep_ref);
      if (!ep) return reply(ErrorResponse(ep.error()));
      filter.endpoint_id = ep->id;
    }
  } else {
    auto ep = FindEndpoint(ctx, app.id, req.params[1]);
    if (!ep) return reply(ErrorResponse(ep.error()));
    filter.endpoint_id = ep->id;
  }
  auto attempts = ctx.store.ListAttempts(app.id, filter, q->page);
  if (!attempts) return reply(ErrorResponse(attempts.error()));
  bool include_msg = *with_msg && !by_message;
  std::unordered_map<std::string, json::value> msgs;  // one read per message on the page
  auto out = PageJson(*attempts, [&](const core::Attempt& a) {
    auto o = AttemptJson(a);
    if (include_msg) {
      auto [it, fresh] = msgs.try_emplace(a.msg_id);
      if (fresh) {
        auto m = ctx.store.GetMessage(app.id, a.msg_id);
        it->second = m ? json::value(MessageJson(*m, false)) : nullptr;
      }
      o["msg"] = it->second;
    }
    return o;
  });
  reply(JsonResponse(200, out));
}
void ListByMessage(ApiContext& ctx, Request& req, Reply reply) {
  ListAttempts(ctx, req, std::move(reply), true);
}
void ListByEndpoint(ApiContext& ctx, Request& req, Reply reply) {
  ListAttempts(ctx, req, std::move(reply), false);
}

// GET .../msg/{msg}/attempt/{attempt}/request: the request of the attempt, rendered again from
// the message and the endpoint as they are now, at the attempt's time (hookd does not store
// requests). Credentials and the signature read "[redacted]".
void GetAttemptRequest(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto msg = ctx.store.GetMessage(app->id, req.params[1]);
  if (!msg) return reply(ErrorResponse(msg.error()));
  auto attempt = ctx.store.GetAttempt(app->id, msg->id, req.params[2]);
  if (!attempt) return reply(ErrorResponse(attempt.error()));
  auto ep = FindEndpoint(ctx, app->id, attempt->endpoint_id);
  if (!ep) return reply(ErrorResponse(ep.error()));
  delivery::Signer signer;
  std::optional<json::object> out;
  core::Error failed{core::ErrorCode::kNotFound, "the endpoint has no URL", {}};
  // The endpoint's URL the attempt went to (failover lists have several), else its first.
  for (const auto& url_template : delivery::EndpointUrls(*ep)) {
    auto built =
        delivery::BuildRequest(*ep, url_template, *msg, app->env, attempt->created_at, signer, {});
    if (!built) {
      failed = built.error();
      continue;
    }
    if (!out || built->url == attempt->url) out = RequestJson(*built, false);
    if (built->url == attempt->url) break;
  }
  if (!out) return reply(ErrorResponse(failed));
  out->emplace("renderedAt", core::FormatTime(ctx.clock.Now()));
  reply(JsonResponse(200, *out));
}

void GetAttempt(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto msg = ctx.store.GetMessage(app->id, req.params[1]);
  if (!msg) return reply(ErrorResponse(msg.error()));
  auto attempt = ctx.store.GetAttempt(app->id, msg->id, req.params[2]);
  reply(attempt ? JsonResponse(200, AttemptJson(*attempt)) : ErrorResponse(attempt.error()));
}

// DELETE .../msg/{msg}/attempt/{attempt}/content: the attempt's response (and reply) are
// replaced by "EXPUNGED" (Svix: 204).
void ExpungeAttemptContent(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto msg = ctx.store.GetMessage(app->id, req.params[1]);
  if (!msg) return reply(ErrorResponse(msg.error()));
  ctx.store.ExpungeAttemptContent(app->id, msg->id, req.params[2],
                                  ReplyNoContent(std::move(reply)));
}

// GET .../msg/{msg}/reply: the replies its destinations' answers carried (and those that could
// not be read, with why), newest first.
void ListReplies(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto msg = ctx.store.GetMessage(app->id, req.params[1]);
  if (!msg) return reply(ErrorResponse(msg.error()));
  auto page = ReadPage(req, true, "atmpt");
  if (!page) return reply(ErrorResponse(page.error()));
  store::AttemptFilter filter;
  filter.msg_id = msg->id;
  filter.with_reply = true;
  auto attempts = ctx.store.ListAttempts(app->id, filter, *page);
  if (!attempts) return reply(ErrorResponse(attempts.error()));
  reply(JsonResponse(
      200, PageJson(*attempts, [&](const core::Attempt& a) {
        return json::object{
            {"msgId", a.msg_id},
            {"endpointId", a.endpoint_id},
            {"attemptId", a.id},
            {"timestamp", core::FormatTime(a.created_at)},
            {"reply", a.reply ? core::ParseJson(*a.reply) : json::value(nullptr)},
            {"error", a.reply_error.empty() ? json::value(nullptr) : json::value(a.reply_error)}};
      })));
}

void AddStatus(json::object& o, const store::DeliveryView& v) {
  o["status"] = static_cast<int>(v.status);
  o["statusText"] = core::StatusText(v.status);
  o["nextAttempt"] = OptTime(v.next_attempt_at);
}

// GET .../msg/{msg}/endpoint: where a message goes and how each delivery stands.
void ListDestinations(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto page = ReadPage(req, false, "ep");
  if (!page) return reply(ErrorResponse(page.error()));
  auto msg = ctx.store.GetMessage(app->id, req.params[1]);
  if (!msg) return reply(ErrorResponse(msg.error()));
  auto rows = ctx.store.ListMessageDestinations(app->id, msg->id, *page);
  if (!rows) return reply(ErrorResponse(rows.error()));
  reply(JsonResponse(200, PageJson(*rows, [](const store::DeliveryView& v) {
                       auto o = EndpointJson(v.endpoint);
                       AddStatus(o, v);
                       return o;
                     })));
}

// GET .../endpoint/{ep}/msg: messages sent to an endpoint and how each delivery stands.
void ListEndpointMessages(ApiContext& ctx, Request& req, Reply reply) {
  auto q = ReadHistoryQuery(ctx, req, "msg");
  if (!q) return reply(ErrorResponse(q.error()));
  auto with_content = QueryFlag(req, "with_content", true);
  if (!with_content) return reply(ErrorResponse(with_content.error()));
  auto ep = FindEndpoint(ctx, q->app.id, req.params[1]);
  if (!ep) return reply(ErrorResponse(ep.error()));
  auto rows = ctx.store.ListEndpointMessages(q->app.id, ep->id, q->filter, q->page);
  if (!rows) return reply(ErrorResponse(rows.error()));
  bool content = *with_content;
  reply(JsonResponse(200, PageJson(*rows, [content](const store::DeliveryView& v) {
                       auto o = MessageJson(v.message, content);
                       AddStatus(o, v);
                       return o;
                     })));
}

// POST .../msg/{msg}/endpoint/{ep}/resend: one manual attempt now.
void Resend(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto msg = ctx.store.GetMessage(app->id, req.params[1]);
  if (!msg) return reply(ErrorResponse(msg.error()));
  auto ep = FindEndpoint(ctx, app->id, req.params[2]);
  if (!ep) return reply(ErrorResponse(ep.error()));
  ctx.store.ResendDelivery(
      app->id, msg->id, ep->id, ctx.clock.Now(), [reply = std::move(reply)](core::Status s) {
        reply(s ? JsonResponse(202, json::object()) : ErrorResponse(s.error()));
      });
}

void Stats(ApiContext& ctx, Request& req, Reply reply) {
  auto app = ResolveApp(ctx, req);
  if (!app) return reply(ErrorResponse(app.error()));
  auto ep = FindEndpoint(ctx, app->id, req.params[1]);
  if (!ep) return reply(ErrorResponse(ep.error()));
  auto since = QueryTime(req, "since");
  if (!since) return reply(ErrorResponse(since.error()));
  auto until = QueryTime(req, "until");
  if (!until) return reply(ErrorResponse(until.error()));
  auto stats = ctx.store.GetEndpointStats(app->id, ep->id, *since, *until);
  if (!stats) return reply(ErrorResponse(stats.error()));
  reply(JsonResponse(200, json::object{{"success", stats->success},
                                       {"pending", stats->pending},
                                       {"sending", stats->sending},
                                       {"fail", stats->fail},
                                       {"canceled", stats->canceled}}));
}

}  // namespace

void RegisterAttempts(Router& r, ApiContext& ctx) {
  using M = Method;
  r.Add(M::kGet, "/api/v1/app/{app}/attempt/msg/{msg}", kView, Bind(ctx, ListByMessage));
  r.Add(M::kGet, "/api/v1/app/{app}/attempt/endpoint/{endpoint}", kView, Bind(ctx, ListByEndpoint));
  r.Add(M::kGet, "/api/v1/app/{app}/msg/{msg}/attempt/{attempt}", kView, Bind(ctx, GetAttempt));
  r.Add(M::kGet, "/api/v1/app/{app}/msg/{msg}/attempt/{attempt}/request", kView,
        Bind(ctx, GetAttemptRequest));
  r.Add(M::kDelete, "/api/v1/app/{app}/msg/{msg}/attempt/{attempt}/content", kManageMessages,
        Bind(ctx, ExpungeAttemptContent));
  r.Add(M::kGet, "/api/v1/app/{app}/msg/{msg}/endpoint", kView, Bind(ctx, ListDestinations));
  r.Add(M::kGet, "/api/v1/app/{app}/msg/{msg}/reply", kView, Bind(ctx, ListReplies));
  r.Add(M::kGet, "/api/v1/app/{app}/endpoint/{endpoint}/msg", kView,
        Bind(ctx, ListEndpointMessages));
  r.Add(M::kPost, "/api/v1/app/{app}/msg/{msg}/endpoint/{endpoint}/resend", kCreateAttempts,
        Bind(ctx, Resend));
  r.Add(M::kGet, "/api/v1/app/{app}/endpoint/{endpoint}/stats", kView, Bind(ctx, Stats));
}

}  // namespace hookd::api
