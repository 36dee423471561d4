// The documentation of every route (see RouteDoc): Svix's operation ids where Svix has the
// route, hookd's own (same style) elsewhere. tests/unit/openapi_test.cc holds it equal to the
// router's table.
#include <string>

#include "api/handler_util.h"
#include "api/openapi.h"

namespace hookd::api {

namespace {

using Query = std::vector<std::string>;
const Query kPage = {"limit", "iterator", "order"};

Query Plus(Query a, const Query& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The endpoint routes (EndpointRoutes()) under `base`, for one family of endpoints: an app's,
// the operational webhook endpoints, an ingest source's.
void AddEndpointDocs(std::vector<RouteDoc>& docs, const std::string& base, const std::string& id,
                     const std::string& tag) {
  const std::string ep = base + "/{endpoint}";
  const std::vector<RouteDoc> family = {
      {"GET " + base, id + ".list", tag, "List endpoints", "", 200, "EndpointOut[]", kPage},
      {"POST " + base, id + ".create", tag, "Create an endpoint", "EndpointIn", 201, "EndpointOut"},
      {"GET " + ep, id + ".get", tag, "Get an endpoint", "", 200, "EndpointOut"},
      {"PUT " + ep, id + ".upsert", tag, "Replace an endpoint, or create it with the path's uid",
       "EndpointIn", 200, "EndpointOut"},
      {"PATCH " + ep, id + ".patch", tag, "Change an endpoint's given fields", "EndpointPatch", 200,
       "EndpointOut"},
      {"DELETE " + ep, id + ".delete", tag, "Delete an endpoint", "", 204, ""},
      {"GET " + ep + "/secret", id + ".get-secret", tag, "Get the endpoint's signing secret", "",
       200, "EndpointSecretOut"},
      {"POST " + ep + "/secret/rotate", id + ".rotate-secret", tag,
       "Rotate the endpoint's signing secret", "EndpointSecretRotateIn", 204, ""},
      {"GET " + ep + "/headers", id + ".get-headers", tag, "Get the endpoint's custom headers", "",
       200, "EndpointHeadersOut"},
      {"PUT " + ep + "/headers", id + ".set-headers", tag, "Replace the endpoint's custom headers",
       "EndpointHeadersIn", 204, ""},
      {"PATCH " + ep + "/headers", id + ".patch-headers", tag,
       "Set or delete some of the endpoint's custom headers", "EndpointHeadersPatchIn", 204, ""},
  };
  docs.insert(docs.end(), family.begin(), family.end());
}

// Replaying to one endpoint, for an app's endpoints and an ingest source's.
void AddReplayDocs(std::vector<RouteDoc>& docs, const std::string& ep, const std::string& id,
                   const std::string& tag) {
  const std::vector<RouteDoc> replay = {
      {"POST " + ep + "/replay-missing", id + ".replay-missing", tag,
       "Send the endpoint the messages it never got since a time", "ReplayIn", 202,
       "BackgroundTaskOut"},
      {"POST " + ep + "/bulk-replay", id + ".bulk-replay", tag,
       "Send the endpoint again the messages of a range that match a filter", "BulkReplayIn", 202,
       "BackgroundTaskOut"},
      {"POST " + ep + "/recover", id + ".recover", tag,
       "Send the endpoint again the messages that failed since a time", "RecoverIn", 202,
       "BackgroundTaskOut"},
  };
  docs.insert(docs.end(), replay.begin(), replay.end());
}

std::vector<RouteDoc> MakeDocs() {
  const std::string app = "/api/v1/app/{app}";
  const std::string msg = app + "/msg/{msg}";
  const std::string ep = app + "/endpoint/{endpoint}";
  const std::string src = "/ingest/api/v1/source";
  const Query filters = Plus(kPage, {"before", "after", "event_types", "channel"});
  // Delivery history: attempts and an endpoint's messages.
  const Query history = Plus(filters, {"attempt_status", "status_code_class"});
  std::vector<RouteDoc> docs = {
      {"GET /api/v1/app", "v1.application.list", "Application", "List applications", "", 200,
       "ApplicationOut[]", kPage},
      {"POST /api/v1/app",
       "v1.application.create",
       "Application",
       "Create an application",
       "ApplicationIn",
       201,
       "ApplicationOut",
       {"get_if_exists"}},
      {"GET " + app, "v1.application.get", "Application", "Get an application", "", 200,
       "ApplicationOut"},
      {"PUT " + app, "v1.application.upsert", "Application",
       "Replace an application, or create it with the path's uid", "ApplicationIn", 200,
       "ApplicationOut"},
      {"PATCH " + app, "v1.application.patch", "Application",
       "Change an application's given fields", "ApplicationPatch", 200, "ApplicationOut"},
      {"DELETE " + app, "v1.application.delete", "Application", "Delete an application", "", 204,
       ""},

      {"GET /api/v1/event-type", "v1.event-type.list", "Event type", "List event types", "", 200,
       "EventTypeOut[]", Plus(kPage, {"include_archived", "with_content"})},
      {"POST /api/v1/event-type", "v1.event-type.create", "Event type", "Create an event type",
       "EventTypeIn", 201, "EventTypeOut"},
      {"GET /api/v1/event-type/{name}", "v1.event-type.get", "Event type", "Get an event type", "",
       200, "EventTypeOut"},
      {"PUT /api/v1/event-type/{name}", "v1.event-type.upsert", "Event type",
       "Replace an event type, or create it", "EventTypeUpsertIn", 200, "EventTypeOut"},
      {"PATCH /api/v1/event-type/{name}", "v1.event-type.patch", "Event type",
       "Change an event type's given fields", "EventTypePatch", 200, "EventTypeOut"},
      {"DELETE /api/v1/event-type/{name}",
       "v1.event-type.delete",
       "Event type",
       "Archive an event type (delete it with expunge=true)",
       "",
       204,
       "",
       {"expunge"}},

      {"GET " + app + "/msg", "v1.message.list", "Message", "List messages", "", 200,
       "MessageOut[]", Plus(filters, {"tag", "with_content"})},
      {"POST " + app + "/msg",
       "v1.message.create",
       "Message",
       "Send a message",
       "MessageIn",
       202,
       "MessageOut",
       {"with_content"}},
      {"GET " + msg,
       "v1.message.get",
       "Message",
       "Get a message",
       "",
       200,
       "MessageOut",
       {"with_content"}},
      {"DELETE " + msg + "/content", "v1.message.expunge-content", "Message",
       "Delete a message's payload", "", 204, ""},
      {"DELETE " + msg, "v1.message.delete", "Message",
       "Cancel a message's pending deliveries (as POST .../kill)", "", 200, "MessageKillOut"},
      {"POST " + msg + "/kill", "v1.message.kill", "Message",
       "Cancel a message's pending deliveries", "", 200, "MessageKillOut"},
      {"POST " + ep + "/send-example", "v1.endpoint.send-example", "Endpoint",
       "Send the endpoint an example message of an event type", "EventExampleIn", 202,
       "MessageOut"},

      {"GET " + app + "/attempt/msg/{msg}", "v1.message-attempt.list-by-msg", "Message attempt",
       "List a message's attempts", "", 200, "MessageAttemptOut[]",
       Plus(history, {"endpoint_id", "with_msg"})},
      {"GET " + app + "/attempt/endpoint/{endpoint}", "v1.message-attempt.list-by-endpoint",
       "Message attempt", "List an endpoint's attempts", "", 200, "MessageAttemptOut[]",
       Plus(history, {"with_msg"})},
      {"GET " + msg + "/attempt/{attempt}", "v1.message-attempt.get", "Message attempt",
       "Get an attempt", "", 200, "MessageAttemptOut"},
      {"GET " + msg + "/attempt/{attempt}/request", "v1.message-attempt.get-request",
       "Message attempt",
       "The request of an attempt, rendered again from the message and endpoint (credentials and "
       "signature redacted)",
       "", 200, "AttemptRequestOut"},
      {"DELETE " + msg + "/attempt/{attempt}/content", "v1.message-attempt.expunge-content",
       "Message attempt", "Delete an attempt's response body", "", 204, ""},
      {"GET " + msg + "/endpoint", "v1.message-attempt.list-attempted-destinations",
       "Message attempt", "List the endpoints a message went to", "", 200, "MessageEndpointOut[]",
       kPage},
      {"GET " + msg + "/reply", "v1.message-attempt.list-replies", "Message attempt",
       "List the endpoints' replies to a message", "", 200, "ReplyOut[]", kPage},
      {"GET " + ep + "/msg", "v1.message-attempt.list-attempted-messages", "Message attempt",
       "List the messages sent to an endpoint", "", 200, "EndpointMessageOut[]",
       Plus(history, {"with_content"})},
      {"POST " + msg + "/endpoint/{endpoint}/resend", "v1.message-attempt.resend",
       "Message attempt", "Send a message to an endpoint again", "", 202, "EmptyResponse"},
      {"GET " + ep + "/stats",
       "v1.endpoint.get-stats",
       "Endpoint",
       "Count an endpoint's deliveries by status",
       "",
       200,
       "EndpointStats",
       {"since", "until"}},

      {"GET " + app + "/stats/delivery",
       "v1.statistics.delivery",
       "Statistics",
       "Count an application's (or an endpoint's) attempts per minute, hour or longer interval, "
       "with latency and failure reasons",
       "",
       200,
       "DeliveryStatsOut",
       {"since", "until", "endpoint_id", "interval"}},
      {"GET " + app + "/stats/endpoint-health",
       "v1.statistics.endpoint-health",
       "Statistics",
       "Each endpoint's attempts over the last hour and day, last failure and held deliveries",
       "",
       200,
       "EndpointHealthListOut",
       {"endpoint_ids"}},

      {"POST /api/v1/stats/usage/app", "v1.statistics.aggregate-app-stats", "Statistics",
       "Count each application's message destinations in a range (a background task, finished "
       "when answered)",
       "AppUsageStatsIn", 202, "AppUsageStatsOut"},

      {"GET /api/v1/background-task", "v1.background-task.list", "Background task",
       "List background tasks", "", 200, "BackgroundTaskOut[]",
       Plus(kPage, {"task_status", "task"})},
      {"GET /api/v1/background-task/{task}", "v1.background-task.get", "Background task",
       "Get a background task", "", 200, "BackgroundTaskOut"},

      {"GET " + app + "/alert", "v1.alert.list", "Alert",
       "List the failure notifications of an application", "", 200, "AlertOut[]", kPage},

      {"POST " + app + "/batch", "v1.batch.create", "Batch", "Open a batch of messages", "BatchIn",
       201, "BatchOut"},
      {"GET " + app + "/batch", "v1.batch.list", "Batch", "List batches", "", 200, "BatchOut[]",
       kPage},
      {"GET " + app + "/batch/{batch}", "v1.batch.get", "Batch", "Get a batch", "", 200, "BatchOut",
       Plus({"include_members"}, kPage)},
      {"POST " + app + "/batch/{batch}/close", "v1.batch.close", "Batch",
       "Close a batch: no more messages join it", "", 200, "BatchOut"},
      {"GET " + msg + "/completion", "v1.message.get-completion", "Message",
       "Get how a message's delivery ended", "", 200, "CompletionOut"},

      {"GET " + src, "v1.ingest.source.list", "Ingest source", "List sources", "", 200,
       "IngestSourceOut[]", kPage},
      {"POST " + src, "v1.ingest.source.create", "Ingest source", "Create a source",
       "IngestSourceIn", 201, "IngestSourceOut"},
      {"GET " + src + "/{source}", "v1.ingest.source.get", "Ingest source", "Get a source", "", 200,
       "IngestSourceOut"},
      {"PUT " + src + "/{source}", "v1.ingest.source.upsert", "Ingest source",
       "Replace a source, or create it with the path's uid", "IngestSourceIn", 200,
       "IngestSourceOut"},
      {"DELETE " + src + "/{source}", "v1.ingest.source.delete", "Ingest source", "Delete a source",
       "", 204, ""},
      {"POST " + src + "/{source}/token/rotate", "v1.ingest.source.rotate-token", "Ingest source",
       "Give the source a new ingest URL", "", 200, "RotateTokenOut"},
      {"GET " + src + "/{source}/request", "v1.ingest.source.list-requests", "Ingest source",
       "List the requests a source received", "", 200, "IngestRequestOut[]",
       Plus(kPage, {"before", "after", "request_status", "event_type"})},
      {"GET " + src + "/{source}/request/{request}", "v1.ingest.source.get-request",
       "Ingest source", "Get a received request", "", 200, "IngestRequestOut"},
      {"POST " + src + "/{source}/request/{request}/replay", "v1.ingest.source.replay-request",
       "Ingest source", "Forward a received request again", "", 202, "IngestReplayOut"},

      {"POST /api/v1/auth/app-portal-access/{app}", "v1.authentication.app-portal-access",
       "Authentication", "Mint a customer portal token for an application", "AppPortalAccessIn",
       200, "AppPortalAccessOut"},
      {"POST /api/v1/auth/app/{app}/expire-all", "v1.authentication.expire-all", "Authentication",
       "Expire an application's portal tokens", "ApplicationTokenExpireIn", 204, ""},
      {"POST /api/v1/auth/logout", "v1.authentication.logout", "Authentication",
       "Revoke the calling token", "", 204, ""},
      {"GET /api/v1/auth/token", "v1.authentication.get-token", "Authentication",
       "Describe the calling token: admin or its app, capabilities, expiry", "", 200,
       "TokenInfoOut"},

      {"GET /api/v1/health", "v1.health.get", "Health", "Answers 204 while the server runs", "",
       204, ""},
      {"GET /metrics", "metrics.get", "Health", "Prometheus metrics", "", 200,
       "text/plain; version=0.0.4"},
      {"GET /api/v1/openapi.json", "v1.openapi.get", "OpenAPI", "This document", "", 200,
       "OpenApiDocument"},
      {"GET /docs", "docs.get", "OpenAPI", "The API reference page rendered from this document", "",
       200, "text/html"},
      {"GET /ui", "ui.index", "Dashboard",
       "The dashboard and customer portal (a portal link adds #token=...)", "", 200, "text/html"},
      {"GET /ui/{asset}", "ui.asset", "Dashboard",
       "A dashboard file built into hookd (script, style sheet, the page itself)", "", 200,
       "application/octet-stream"},
  };
  AddEndpointDocs(docs, app + "/endpoint", "v1.endpoint", "Endpoint");
  AddEndpointDocs(docs, std::string(kOperationalEndpointPath), "v1.operational-webhook.endpoint",
                  "Operational webhook endpoint");
  AddEndpointDocs(docs, src + "/{source}/endpoint", "v1.ingest.endpoint", "Ingest endpoint");
  AddReplayDocs(docs, ep, "v1.endpoint", "Endpoint");
  AddReplayDocs(docs, src + "/{source}/endpoint/{endpoint}", "v1.ingest.endpoint",
                "Ingest endpoint");
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    std::string m = method;
    docs.push_back({m + " /ingest/{token}", "ingest.receive." + m, "Ingest",
                    "Receive a webhook at a source's ingest URL (verified by the source's "
                    "config; answers the source's ackStatus)",
                    m == "GET" || m == "DELETE" ? "" : "*/*", 200, ""});
  }
  return docs;
}

}  // namespace

const std::vector<RouteDoc>& RouteDocs() {
  static const std::vector<RouteDoc> docs = MakeDocs();
  return docs;
}

}  // namespace hookd::api
