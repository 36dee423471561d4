// Column lists of the tables every store implementation has, in the order their row readers
// expect, and how to qualify them with a table alias.
#pragma once

#include <string>
#include <string_view>

namespace hookd::store {

inline constexpr const char* kAppCols =
    "id, uid, name, rate_limit, metadata, created_at, updated_at, env, failure_policy,"
    " notifications";
inline constexpr const char* kEventTypeCols =
    "id, name, description, archived, deprecated, schemas, feature_flags, group_name, created_at,"
    " updated_at, expects_reply";
inline constexpr const char* kEndpointCols =
    "id, app_id, uid, url, description, disabled, event_types, channels, throttle_rate, version,"
    " metadata, headers, secrets, created_at, updated_at, retry_schedule, options, ephemeral,"
    " failure_policy, fallback_url";
inline constexpr const char* kMessageCols =
    "id, app_id, event_id, event_type, payload, channels, tags, created_at, test_routes,"
    " batch_id, track_completion, completion_endpoint, expects_reply, content_type";
inline constexpr int kMessageColCount = 14;
inline constexpr const char* kBatchCols =
    "app_id, id, expected, callback_endpoint, created_at, closed_at, completed_at, succeeded,"
    " failed, killed";
inline constexpr const char* kTaskCols =
    "id, app_id, kind, status, spec, cursor, sent, created_at, updated_at, result";
inline constexpr const char* kCompletionCols =
    "msg_id, app_id, batch_id, status, completed_at, destinations";
// Whether a new message expects a reply, in its INSERT with the event type name as parameter 4.
inline constexpr const char* kExpectsReply =
    "COALESCE((SELECT expects_reply FROM event_types WHERE name = ?4), false)";
inline constexpr const char* kTokenCols =
    "id, hash, app_id, name, created_at, kind, capabilities, expires_at, session_id";
inline constexpr const char* kSourceCols =
    "id, uid, name, type, settings, metadata, created_at, updated_at";
// Over `inbox_requests r LEFT JOIN messages m ON m.id = r.msg_id` (a forwarded request's body
// is its message's payload), then its deliveries succeeded, failed (or killed) and pending;
// state names for WithStates (state_sql.h).
inline constexpr const char* kInboxRequestCols =
    "r.id, r.source_id, r.received_at, r.method, r.query, r.headers, r.content_type,"
    " COALESCE(r.body, m.payload, ''), r.verdict, r.reason, r.msg_id, r.event_type,"
    " (SELECT count(*) FROM deliveries d WHERE d.msg_id = r.msg_id AND d.status = {success}),"
    " (SELECT count(*) FROM deliveries d WHERE d.msg_id = r.msg_id"
    "   AND d.status IN ({fail}, {canceled})),"
    " (SELECT count(*) FROM deliveries d WHERE d.msg_id = r.msg_id"
    "   AND d.status NOT IN ({success}, {fail}, {canceled}))";
// A batch's member count, in a query over `batches b`.
inline constexpr const char* kBatchMembers =
    "(SELECT count(*) FROM messages m WHERE m.app_id = b.app_id AND m.batch_id = b.id)";
inline constexpr const char* kAttemptCols =
    "a.id, a.app_id, a.msg_id, a.endpoint_id, a.url, a.response_status, a.response,"
    " a.duration_ms, a.error, a.error_detail, a.trigger_type, a.status, a.created_at, a.reply,"
    " a.reply_error";

// "a.x, a.y" from "x, y".
std::string Prefixed(std::string_view alias, std::string_view cols);

}  // namespace hookd::store
