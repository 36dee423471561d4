// Column lists, row readers and shared SQL of the PostgreSQL store (internal to store/postgres).
#pragma once

#include <string>
#include <string_view>

#include "core/types.h"
#include "store/postgres/conn.h"
#include "store/store.h"

namespace hookd::store::postgres {

inline constexpr const char* kAppCols =
    "id, uid, name, rate_limit, metadata, created_at, updated_at, env";
inline constexpr const char* kEventTypeCols =
    "id, name, description, archived, deprecated, schemas, feature_flags, group_name, created_at,"
    " updated_at";
inline constexpr const char* kEndpointCols =
    "id, app_id, uid, url, description, disabled, event_types, channels, throttle_rate, version,"
    " metadata, headers, secrets, created_at, updated_at, retry_schedule, options, ephemeral";
inline constexpr const char* kMessageCols =
    "id, app_id, event_id, event_type, payload, channels, tags, created_at, test_routes";
inline constexpr const char* kAttemptCols =
    "a.id, a.app_id, a.msg_id, a.endpoint_id, a.url, a.response_status, a.response,"
    " a.duration_ms, a.error, a.error_detail, a.trigger_type, a.status, a.created_at";

// The fan-out rule over endpoints aliased `e`, for a message whose event type is bound to
// `type` and whose channels (text[], empty when it has none) to `channels`: enabled, not
// ephemeral, event types unset or including the type, channels unset or sharing one.
std::string Subscribes(std::string_view type, std::string_view channels);

// Column readers; `c` is the index of the first column.
core::App ReadApp(const Row& r, int c = 0);
core::EventType ReadEventType(const Row& r, int c = 0);
core::Endpoint ReadEndpoint(const Row& r, int c = 0);
core::Message ReadMessage(const Row& r, int c = 0);
core::Attempt ReadAttempt(const Row& r, int c = 0);

// Parameters in kEndpointCols order.
std::vector<Param> EndpointParams(const core::Endpoint& e);
// Parameters in kEventTypeCols order.
std::vector<Param> EventTypeParams(const core::EventType& et);

// "a.x, a.y" from "x, y".
std::string Prefixed(std::string_view alias, std::string_view cols);
// "$from, $from+1, ..., $from+n-1".
std::string Placeholders(int from, int n);

// A WHERE clause and its parameters, numbered as they are added.
struct Where {
  std::string sql;
  std::vector<Param> params;
  // Appends " AND <text>", each "{}" in `text` taking the next of `values` as a parameter.
  Where& And(std::string_view text, std::vector<Param> values = {});
};

// The message-level filters of message, attempt and delivery lists; `m` names the messages table
// (or its alias) in the query.
void AddMessageFilters(Where& where, const std::vector<std::string>& event_types,
                       const std::optional<std::string>& channel, std::string_view m);
// `col` strictly between `after` and `before`, each when given.
void AddTimeRange(Where& where, std::string_view col, const std::optional<core::TimePoint>& before,
                  const std::optional<core::TimePoint>& after);

}  // namespace hookd::store::postgres
