// Column lists, row readers and shared SQL of the PostgreSQL store (internal to store/postgres).
#pragma once

#include <string>
#include <string_view>

#include "core/types.h"
#include "store/columns.h"
#include "store/postgres/conn.h"
#include "store/store.h"

namespace hookd::store::postgres {

// The fan-out rule over endpoints aliased `e`, for a message whose event type is bound to
// `type` and whose channels (text[], empty when it has none) to `channels`: not ephemeral (disabled
// ones included: they hold what they get), event types unset or including the type, channels
// unset or sharing one.
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

// Records a received request (inbox.cc); a forwarded one's body is its message's payload.
Query InboxRequestQuery(const core::InboxRequest& r);

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
