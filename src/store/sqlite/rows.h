// Column lists and row readers of the SQLite store's tables (internal to store/sqlite).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/time_format.h"
#include "core/types.h"
#include "store/columns.h"
#include "store/sqlite/db.h"
#include "store/store.h"

namespace hookd::store::sqlite {

using Param = std::variant<std::string, int64_t>;

// Messages up to this payload size travel with due deliveries (bounded window memory).
inline constexpr size_t kHintPayloadLimit = 64 * 1024;
inline constexpr const char* kInsertEndpoint =
    "INSERT INTO endpoints(id, app_id, uid, url, description, disabled, event_types, channels,"
    " throttle_rate, version, metadata, headers, secrets, created_at, updated_at, retry_schedule,"
    " options, ephemeral, failure_policy, fallback_url)"
    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20)";

// The fan-out rule, over endpoints aliased `e`, for a message whose event type is bound to ?4
// and whose channels (JSON list or NULL) to ?5: subscribed endpoints (disabled ones included: they
// hold what they get) whose event types include the type (or are unset) and whose channels share
// one with the message (or are unset).
inline constexpr const char* kSubscribes =
    "e.ephemeral = 0"
    " AND (e.event_types IS NULL OR EXISTS"
    "      (SELECT 1 FROM json_each(e.event_types) WHERE value = ?4))"
    " AND (e.channels IS NULL OR EXISTS (SELECT 1 FROM json_each(e.channels) c"
    "      WHERE c.value IN (SELECT value FROM json_each(?5))))";

// Column readers; the *At forms take the index of their first column.
core::App ReadApp(Stmt& s);
core::EventType ReadEventType(Stmt& s);
core::Endpoint ReadEndpointAt(Stmt& s, int c);
core::Endpoint ReadEndpoint(Stmt& s);
core::Message ReadMessageAt(Stmt& s, int c);
core::Message ReadMessage(Stmt& s);
core::Attempt ReadAttempt(Stmt& s);

// The bytes a listed row carries, which PageRequest::max_bytes bounds.
inline size_t MessageBytes(const core::Message& m) {
  return m.payload.size() + (m.test_routes ? m.test_routes->size() : 0);
}
inline size_t InboxRequestBytes(const core::InboxRequest& r) {
  return r.body.size() + r.headers.size();
}

// "d.status, d.next_attempt_at" followed by the joined row.
template <class Fill>
DeliveryView ReadDeliveryView(Stmt& s, Fill fill) {
  DeliveryView v;
  v.status = static_cast<core::DeliveryStatus>(s.Int(0));
  v.next_attempt_at = core::FromMicros(s.OptInt(1));
  fill(v, s);
  return v;
}

// Binds params to ?1, ?2, ... in order.
void BindAll(Stmt& s, const std::vector<Param>& params);

}  // namespace hookd::store::sqlite
