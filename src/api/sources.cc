// The inbox (svix `ingest` API): /ingest/api/v1/source CRUD and token rotation, each source's
// received requests, and the receive URL /ingest/{token}, where third-party callbacks are
// verified, recorded and acknowledged once durable, then forwarded to the source's endpoints by
// the delivery engine (a source's endpoints and messages are those of the app it owns).
#include <boost/json.hpp>
#include <expected>
#include <mutex>

#include "api/body_reader.h"
#include "api/handler_util.h"
#include "api/json_codec.h"
#include "api/resources.h"
#include "core/crypto.h"
#include "core/ids.h"
#include "core/text.h"
#include "core/time_format.h"
#include "core/validation.h"
#include "inbox/route.h"
#include "inbox/verify.h"

namespace hookd::api {
namespace {

namespace json = boost::json;
using core::Source;

constexpr std::string_view kSourcePath = "/ingest/api/v1/source";
// Old URL tokens stay valid this long after a rotation (as Svix).
constexpr auto kTokenGrace = std::chrono::hours(48);
constexpr std::string_view kNotText = "the body is not UTF-8 text";

std::string NewUrlToken() { return core::HexEncode(core::RandomBytes(24)); }

std::string IngestUrl(ApiContext& ctx, const Request& req, const std::string& token) {
  return PublicBase(ctx, req) + "/ingest/" + token;
}

json::object SourceJson(ApiContext& ctx, const Request& req, const Source& s) {
  json::value url = nullptr;
  if (auto token = ctx.store.CurrentSourceToken(s.id); token && *token)
    url = IngestUrl(ctx, req, (*token)->token);
  return {{"id", s.id},
          {"uid", s.uid ? json::value(*s.uid) : json::value(nullptr)},
          {"name", s.name},
          {"type", s.type},
          {"config", core::SourceSettingsJson(s.settings, false)},
          {"ingestUrl", url},
          {"metadata", StringMapJson(s.metadata)},
          {"createdAt", core::FormatTime(s.created_at)},
          {"updatedAt", core::FormatTime(s.updated_at)}};
}

json::object RequestJson(const core::InboxRequest& r) {
  return {
      {"id", r.id},
      {"sourceId", r.source_id},
      {"receivedAt", core::FormatTime(r.received_at)},
      {"method", r.method},
      {"query", r.query},
      {"headers", json::parse(r.headers)},
      {"contentType", r.content_type},
      {"body", r.body},
      {"status", core::VerdictName(r.verdict)},
      {"reason", r.reason.empty() ? json::value(nullptr) : json::value(r.reason)},
      {"msgId", r.msg_id ? json::value(*r.msg_id) : json::value(nullptr)},
      {"eventType", r.event_type},
      {"forwarding", {{"succeeded", r.succeeded}, {"failed", r.failed}, {"pending", r.pending}}}};
}

bool NeedsSecret(std::string_view type) { return type != "generic-webhook"; }

// The source's "config": verification, accepted methods, acknowledgement and routing.
core::SourceSettings ReadSettings(BodyReader& body, const std::string& type) {
  core::SourceSettings s;
  auto config = body.Nested("config");
  if (!config) {
    if (NeedsSecret(type)) body.Fail("config", "a " + type + " source needs config.secret");
    return s;
  }
  auto& c = *config;
  if (auto secret = c.String("secret", NeedsSecret(type), 1024)) {
    s.secret = *secret;
    if (type == "svix" && !core::CheckSecret(*secret).empty())
      c.Fail("secret", core::CheckSecret(*secret));
  }
  if (auto h = c.String("signatureHeader", false, 256)) {
    if (type != "generic-webhook") c.Fail("signatureHeader", "only for generic-webhook sources");
    if (s.secret.empty()) c.Fail("secret", "a signature header needs the shared secret");
    s.signature_header = *h;
  }
  if (auto a = c.String("algorithm")) {
    if (*a != "sha1" && *a != "sha256" && *a != "sha512")
      c.Fail("algorithm", "must be sha1, sha256 or sha512");
    s.algorithm = *a;
  }
  if (auto e = c.String("encoding")) {
    if (*e != "hex" && *e != "base64") c.Fail("encoding", "must be hex or base64");
    s.encoding = *e;
  }
  if (auto p = c.String("signaturePrefix", false, 64)) s.signature_prefix = *p;
  if (auto t = c.String("signedContent", false, 256)) {
    if (t->find("{body}") == std::string::npos) c.Fail("signedContent", "must contain {body}");
    s.signed_content = *t;
  }
  if (auto h = c.String("timestampHeader", false, 256)) s.timestamp_header = *h;
  if (auto h = c.String("idHeader", false, 256)) s.id_header = *h;
  if (auto t = c.Int("toleranceSeconds", 1, 86400)) s.tolerance_seconds = static_cast<int>(*t);
  if (auto auth = c.Nested("basicAuth")) {
    auto user = auth->String("username", true, 256);
    auto pass = auth->String("password", true, 1024);
    c.Absorb(*auth);
    if (user && pass) s.basic_auth = core::BasicAuth{*user, *pass};
  }
  if (auto h = c.String("apiKeyHeader", false, 256)) {
    s.api_key_header = *h;
    if (auto k = c.String("apiKey", true, 1024)) s.api_key = *k;
  }
  if (auto methods = c.StringList("methods", 5)) {
    for (const auto& m : *methods) {
      if (m != "GET" && m != "POST" && m != "PUT" && m != "PATCH" && m != "DELETE")
        c.Fail("methods", "each must be GET, POST, PUT, PATCH or DELETE");
    }
    if (methods->empty()) c.Fail("methods", "must name at least one method");
    s.methods = *methods;
  }
  if (auto a = c.Int("ackStatus", 200, 204)) {
    if (*a != 200 && *a != 204) c.Fail("ackStatus", "must be 200 or 204");
    s.ack_status = static_cast<int>(*a);
  }
  if (const auto* routes = c.Value("routes"); routes && !routes->is_null()) {
    if (!routes->is_array() || routes->as_array().size() > 100) {
      c.Fail("routes", "must be a list of at most 100 rules");
    } else {
      for (const auto& r : routes->as_array()) {
        const auto* o = r.if_object();
        const auto* field = o ? o->if_contains("field") : nullptr;
        const auto* type_v = o ? o->if_contains("eventType") : nullptr;
        const auto* equals = o ? o->if_contains("equals") : nullptr;
        if (!field || !field->is_string() || field->as_string().empty() || !type_v ||
            !type_v->is_string() || !core::CheckEventTypeName(type_v->as_string()).empty() ||
            (equals && !equals->is_string())) {
          c.Fail("routes", "each rule is {field, eventType, equals?} with a valid event type");
          break;
        }
        core::RouteRule rule{std::string(field->as_string()), std::nullopt,
                             std::string(type_v->as_string())};
        if (equals) rule.equals = std::string(equals->as_string());
        s.routes.push_back(std::move(rule));
      }
    }
  }
  if (auto d = c.String("defaultEventType")) {
    if (auto err = core::CheckEventTypeName(*d); !err.empty()) c.Fail("defaultEventType", err);
    s.default_event_type = *d;
  }
  body.Absorb(c);
  return s;
}

// Reads a SourceIn body into `s` (every field: PUT replaces).
core::Status ReadSource(const Request& req, Source& s) {
  auto body = BodyReader::Parse(req.body);
  if (!body) return std::unexpected(body.error());
  if (auto type = body->String("type", true)) {
    if (!core::IsSourceType(*type))
      body->Fail("type", "must be generic-webhook, svix, github, stripe, shopify or slack");
    s.type = *type;
  }
  if (auto name = body->String("name", true, 256)) s.name = *name;
  s.uid.reset();
  if (auto uid = body->String("uid")) {
    if (auto err = core::CheckUid(*uid); !err.empty()) body->Fail("uid", err);
    s.uid = *uid;
  }
  s.metadata = body->Map("metadata").value_or(core::StringMap{});
  s.settings = ReadSettings(*body, s.type);
  return body->Finish();
}

core::Result<Source> FindSource(ApiContext& ctx, const Request& req) {
  return ctx.store.GetSource(req.params.at(0));
}

void List(ApiContext& ctx, Request& req, Reply reply) {
  auto page = ReadPage(req, false, "src");
  if (!page) return reply(ErrorResponse(page.error()));
  auto sources = ctx.store.ListSources(*page);
  if (!sources) return reply(ErrorResponse(sources.error()));
  reply(JsonResponse(200,
                     PageJson(*sources, [&](const Source& s) { return SourceJson(ctx, req, s); })));
}

// Creates the source (its uid: the body's, or the path's) with its first URL token.
void Insert(ApiContext& ctx, Request& req, Reply reply, Source s, int status) {
  s.id = core::NewId("src", ctx.clock);
  s.created_at = s.updated_at = ctx.clock.Now();
  core::SourceToken token{NewUrlToken(), s.id, s.created_at, std::nullopt};
  json::object out = SourceJson(ctx, req, s);
  out["ingestUrl"] = IngestUrl(ctx, req, token.token);
  IdempotentWrite<Source>(ctx, req, std::move(reply), JsonResponse(status, out),
                          [&ctx, s, token](store::Idempotency idem, store::Done<Source> done) {
                            ctx.store.CreateSource(s, token, std::move(idem), std::move(done));
                          });
}

void Create(ApiContext& ctx, Request& req, Reply reply) {
  if (ReplayIdempotent(ctx, req, reply)) return;
  Source s;
  if (auto r = ReadSource(req, s); !r) return reply(ErrorResponse(r.error()));
  Insert(ctx, req, std::move(reply), std::move(s), 201);
}

void Get(ApiContext& ctx, Request& req, Reply reply) {
  auto s = FindSource(ctx, req);
  reply(s ? JsonResponse(200, SourceJson(ctx, req, *s)) : ErrorResponse(s.error()));
}

// PUT replaces the source (its type and settings included), or creates it (201) with the path's
// reference as its uid when none has it.
void Put(ApiContext& ctx, Request& req, Reply reply) {
  auto s = FindSource(ctx, req);
  if (!s && s.error().code == core::ErrorCode::kNotFound && core::CheckUid(req.params[0]).empty()) {
    Source fresh;
    if (auto r = ReadSource(req, fresh); !r) return reply(ErrorResponse(r.error()));
    if (!fresh.uid) fresh.uid = req.params[0];
    return Insert(ctx, req, std::move(reply), std::move(fresh), 201);
  }
  if (!s) return reply(ErrorResponse(s.error()));
  if (auto r = ReadSource(req, *s); !r) return reply(ErrorResponse(r.error()));
  s->updated_at = ctx.clock.Now();
  ctx.sources.Clear();
  ctx.store.UpdateSource(*s, [&ctx, req, reply](core::Result<Source> r) {
    reply(r ? JsonResponse(200, SourceJson(ctx, req, *r)) : ErrorResponse(r.error()));
  });
}

void Delete(ApiContext& ctx, Request& req, Reply reply) {
  auto s = FindSource(ctx, req);
  if (!s) return reply(ErrorResponse(s.error()));
  ctx.sources.Clear();
  ctx.apps.Clear();
  ctx.store.DeleteSource(s->id, ReplyNoContent(std::move(reply)));
}

// A new URL token; the old one keeps working for 48 hours.
void RotateToken(ApiContext& ctx, Request& req, Reply reply) {
  auto s = FindSource(ctx, req);
  if (!s) return reply(ErrorResponse(s.error()));
  auto now = ctx.clock.Now();
  core::SourceToken token{NewUrlToken(), s->id, now, std::nullopt};
  ctx.store.RotateSourceToken(
      token, now + kTokenGrace, [&ctx, req, reply](core::Result<core::SourceToken> r) {
        if (!r) return reply(ErrorResponse(r.error()));
        reply(JsonResponse(200, json::object{{"ingestUrl", IngestUrl(ctx, req, r->token)}}));
      });
}

// GET .../source/{source}/request?status=forwarded|rejected&event_type=&before=&after=
void ListRequests(ApiContext& ctx, Request& req, Reply reply) {
  auto s = FindSource(ctx, req);
  if (!s) return reply(ErrorResponse(s.error()));
  auto page = ReadPage(req, true, "inrq");
  if (!page) return reply(ErrorResponse(page.error()));
  store::InboxRequestFilter filter;
  if (auto status = req.Query("status")) {
    filter.verdict = core::ParseVerdict(*status);
    if (!filter.verdict)
      return reply(ErrorResponse(QueryError("status", "must be forwarded or rejected").error()));
  }
  if (auto t = req.Query("event_type")) filter.event_type = std::string(*t);
  auto before = QueryTime(req, "before");
  auto after = QueryTime(req, "after");
  if (!before) return reply(ErrorResponse(before.error()));
  if (!after) return reply(ErrorResponse(after.error()));
  filter.before = *before;
  filter.after = *after;
  page->max_bytes = kPageBytes;
  auto list = ctx.store.ListInboxRequests(s->id, filter, *page);
  if (!list) return reply(ErrorResponse(list.error()));
  reply(JsonResponse(200, PageJson(*list, RequestJson)));
}

void GetRequest(ApiContext& ctx, Request& req, Reply reply) {
  auto s = FindSource(ctx, req);
  if (!s) return reply(ErrorResponse(s.error()));
  auto r = ctx.store.GetInboxRequest(s->id, req.params.at(1));
  reply(r ? JsonResponse(200, RequestJson(*r)) : ErrorResponse(r.error()));
}

// The source whose receive URL has `token` (cached), or the answer for a token that has none.
std::expected<Source, Response> SourceAt(ApiContext& ctx, const std::string& token) {
  if (auto hit = ctx.sources.Get(token)) return *hit;
  auto found = ctx.store.FindSourceByToken(token);
  if (!found) {
    return std::unexpected(found.error().code == core::ErrorCode::kNotFound
                               ? ErrorResponse(core::ErrorCode::kNotFound, "no source at this URL")
                               : ErrorResponse(found.error()));
  }
  ctx.sources.Put(token, *found);
  return *found;
}

// Any method at /ingest/{token}: verify, record, acknowledge once durable (empty 200 or 204),
// forward later. Unknown token: 404. Failed verification: 401, recorded, never forwarded.
void Receive(ApiContext& ctx, Request& req, Reply reply) {
  auto source = SourceAt(ctx, req.params.at(0));
  if (!source) return reply(source.error());
  auto now = ctx.clock.Now();
  core::InboxRequest rec;
  rec.id = core::NewId("inrq", ctx.clock);
  rec.source_id = source->id;
  rec.received_at = now;
  rec.method = MethodName(req.method);
  rec.query = req.raw_query;
  rec.headers = inbox::RedactedHeadersJson(*source, req.headers);
  rec.content_type = std::string(req.Header("content-type").value_or(""));
  rec.reason = inbox::Verify(*source, {rec.method, req.headers, req.body}, now);
  if (rec.reason.empty() && !core::IsUtf8Text(req.body)) rec.reason = kNotText;
  if (!rec.reason.empty()) {
    rec.verdict = core::InboxVerdict::kRejected;
    rec.body = core::SanitizeUtf8(req.body);
    rec.event_type = "";
    Response refusal = ErrorResponse(core::ErrorCode::kUnauthorized, "verification failed");
    if (rec.reason.starts_with("method ")) {
      refusal = {405, R"({"code":"method_not_allowed","detail":"method not allowed"})"};
    } else if (rec.reason == kNotText) {
      refusal = {415,
                 R"({"code":"unsupported_media_type","detail":"the body must be UTF-8 text"})"};
    }
    // Answered once recorded (for diagnosis); the sender learns only that it was refused.
    return ctx.store.RecordRejected(
        std::move(rec), [reply, refusal](core::Result<core::InboxRequest>) { reply(refusal); });
  }
  core::Message msg;
  msg.id = core::NewId("msg", ctx.clock);
  msg.app_id = source->id;
  msg.event_type = inbox::EventTypeOf(source->settings, req.body, rec.query);
  msg.payload = std::move(req.body);
  msg.content_type = rec.content_type.empty() ? "application/octet-stream" : rec.content_type;
  msg.created_at = now;
  rec.msg_id = msg.id;
  rec.event_type = msg.event_type;
  store::MessageRouting routing;
  routing.received = std::move(rec);
  int ack = source->settings.ack_status;
  ctx.store.CreateMessage(std::move(msg), std::nullopt, std::move(routing),
                          [reply, ack](core::Result<core::Message> r) {
                            if (!r) return reply(ErrorResponse(r.error()));
                            reply(Response{ack, "", ""});
                          });
}

// POST .../request/{request}/replay: a forwarded request's message is sent again to each of its
// destinations (one manual attempt each). Rejected requests are never forwarded: 409.
void Replay(ApiContext& ctx, Request& req, Reply reply) {
  auto s = FindSource(ctx, req);
  if (!s) return reply(ErrorResponse(s.error()));
  auto r = ctx.store.GetInboxRequest(s->id, req.params.at(1));
  if (!r) return reply(ErrorResponse(r.error()));
  if (!r->msg_id) {
    return reply(
        ErrorResponse(core::ErrorCode::kConflict, "a rejected request is never forwarded"));
  }
  auto dest = ctx.store.ListMessageDestinations(s->id, *r->msg_id, {.limit = 250});
  if (!dest) return reply(ErrorResponse(dest.error()));
  struct Pending {
    std::mutex mu;
    size_t left;
    std::optional<core::Error> error;
  };
  auto pending = std::make_shared<Pending>();
  pending->left = dest->data.size();
  json::object out{{"msgId", *r->msg_id}, {"destinations", dest->data.size()}};
  if (dest->data.empty()) return reply(JsonResponse(202, out));
  for (const auto& d : dest->data) {
    ctx.store.ResendDelivery(
        s->id, *r->msg_id, d.endpoint.id, ctx.clock.Now(), [pending, reply, out](core::Status st) {
          {
            std::lock_guard lock(pending->mu);
            if (!st) pending->error = st.error();
            if (--pending->left > 0) return;
          }
          reply(pending->error ? ErrorResponse(*pending->error) : JsonResponse(202, out));
        });
  }
}

}  // namespace

Handler SourceScoped(ApiContext& ctx, ContextHandler fn) {
  return [&ctx, fn](Request& req, Reply reply) {
    auto s = FindSource(ctx, req);
    if (!s) return reply(ErrorResponse(s.error()));
    req.params[0] = s->id;
    fn(ctx, req, std::move(reply));
  };
}

void RegisterSources(Router& r, ApiContext& ctx) {
  using M = Method;
  std::string base(kSourcePath);
  r.Add(M::kGet, base, kAdmin, Bind(ctx, List));
  r.Add(M::kPost, base, kAdmin, Bind(ctx, Create));
  r.Add(M::kGet, base + "/{source}", kAdmin, Bind(ctx, Get));
  r.Add(M::kPut, base + "/{source}", kAdmin, Bind(ctx, Put));
  r.Add(M::kDelete, base + "/{source}", kAdmin, Bind(ctx, Delete));
  r.Add(M::kPost, base + "/{source}/token/rotate", kAdmin, Bind(ctx, RotateToken));
  r.Add(M::kGet, base + "/{source}/request", kAdmin, Bind(ctx, ListRequests));
  r.Add(M::kGet, base + "/{source}/request/{request}", kAdmin, Bind(ctx, GetRequest));
  r.Add(M::kPost, base + "/{source}/request/{request}/replay", kAdmin, Bind(ctx, Replay));
  for (const auto& route : EndpointRoutes()) {
    r.Add(route.method, base + "/{source}/endpoint" + route.path, kAdmin,
          SourceScoped(ctx, route.handler));
  }
  for (auto m : {M::kGet, M::kPost, M::kPut, M::kPatch, M::kDelete}) {
    // An unknown token is answered before the body is read.
    r.Add(m, "/ingest/{token}", kPublic, Bind(ctx, Receive),
          [&ctx](Request& head) -> std::optional<Response> {
            if (auto s = SourceAt(ctx, head.params.at(0)); !s) return s.error();
            return std::nullopt;
          });
  }
}

}  // namespace hookd::api
