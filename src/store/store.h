// The store interface: hookd's source of truth. Implementations: sqlite (embedded), postgres.
//
// Contracts
// - Reads are thread-safe, may be called from any thread and never wait behind the writer.
// - Writes are asynchronous and group-committed: concurrent writes share one transaction and one
//   durable commit. `done` runs exactly once, on a store thread, after the write is durable (or
//   has failed); it must not block. Each write is atomic on its own: a failed write leaves no trace
//   and does not affect others in the same batch.
// - A write that carries an IdempotencyRecord stores it atomically with its effect. If the
//   (scope, key) is already recorded, nothing is written and the write fails with
//   kIdempotencyTaken; the caller then reads the record and replays it.
// - Lookups by "ref" accept either the id or the uid (event types: the name).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/types.h"

namespace hookd::store {

using core::Result;
using core::Status;

template <class T>
using Done = std::function<void(Result<T>)>;
using Idempotency = std::optional<core::IdempotencyRecord>;

// Keyset pagination. `iterator` is an opaque cursor from a previous page; a leading '-' walks
// backwards (the page before the cursor).
struct PageRequest {
  int limit = 50;
  std::optional<std::string> iterator;
  bool descending = false;
};

template <class T>
struct Page {
  std::vector<T> data;
  std::optional<std::string> iterator;       // pass to get the next page
  std::optional<std::string> prev_iterator;  // pass to get the previous page
  bool done = true;                          // no further page in the direction walked
};

struct MessageFilter {
  std::vector<std::string> event_types;  // empty: all
  std::optional<std::string> channel;
  std::optional<std::string> tag;
  std::optional<core::TimePoint> before;  // created strictly before
  std::optional<core::TimePoint> after;   // created strictly after
};

// Position in the due-delivery order (due time, message, endpoint); scans resume after it.
struct DueCursor {
  core::TimePoint due{};
  std::string msg_id;
  std::string endpoint_id;
};

// Filters for attempt history. Unset fields do not filter.
struct AttemptFilter {
  std::optional<std::string> msg_id;
  std::optional<std::string> endpoint_id;
  std::optional<core::DeliveryStatus> status;
  std::optional<int> status_code_class;  // 0 (no response), 100, 200, ... 500
  std::vector<std::string> event_types;
  std::optional<std::string> channel;
  std::optional<core::TimePoint> before;
  std::optional<core::TimePoint> after;
};

// A delivery with the endpoint it goes to (per-message view) or the message (per-endpoint view).
struct DeliveryView {
  core::DeliveryStatus status = core::DeliveryStatus::kPending;
  std::optional<core::TimePoint> next_attempt_at;
  core::Endpoint endpoint;  // filled by ListMessageDestinations
  core::Message message;    // filled by ListEndpointMessages
};

struct DeliveryStats {
  int64_t success = 0, pending = 0, sending = 0, fail = 0, canceled = 0;
};

// Which deliveries a new message gets.
struct MessageRouting {
  bool fan_out = true;                        // every enabled subscribed endpoint that matches
  std::optional<std::string> only_endpoint;   // instead: just this endpoint (send-example)
  std::optional<core::Endpoint> callback;     // plus: a per-message destination, stored as an
                                              // ephemeral endpoint in the same commit
};

struct KillResult {
  std::vector<std::string> killed;      // endpoint ids whose delivery was canceled
  std::vector<std::string> not_killed;  // already finished or under way
};

// Counters since start, for metrics and tests.
struct StoreStats {
  uint64_t writes = 0;   // writes applied (committed or rolled back individually)
  uint64_t commits = 0;  // transactions; writes/commits is the mean group size
  uint64_t syncs = 0;    // disk syncs acknowledging commits; one may cover several commits
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens the database and applies pending migrations. Must succeed before any other call.
  virtual Status Init() = 0;
  // Finishes queued writes and closes. Writes submitted afterwards fail with kUnavailable.
  virtual void Close() = 0;

  virtual StoreStats Stats() const = 0;
  // `done` runs once every write committed before this call is durable (readers may see a
  // commit slightly before that).
  virtual void Barrier(Done<void> done) = 0;

  // Applications
  virtual Result<core::App> GetApp(std::string_view ref) = 0;
  virtual Result<Page<core::App>> ListApps(const PageRequest& page) = 0;
  virtual void CreateApp(core::App app, Idempotency idem, Done<core::App> done) = 0;
  virtual void UpdateApp(core::App app, Done<core::App> done) = 0;  // replaces by id
  virtual void DeleteApp(std::string id, Done<void> done) = 0;      // cascades

  // Event types (global)
  virtual Result<core::EventType> GetEventType(std::string_view name) = 0;
  virtual Result<Page<core::EventType>> ListEventTypes(const PageRequest& page,
                                                       bool include_archived) = 0;
  virtual void CreateEventType(core::EventType et, Idempotency idem,
                               Done<core::EventType> done) = 0;
  virtual void UpdateEventType(core::EventType et, Idempotency idem,
                               Done<core::EventType> done) = 0;
  virtual void DeleteEventType(std::string name, Done<void> done) = 0;  // hard delete

  // Endpoints (per app)
  virtual Result<core::Endpoint> GetEndpoint(std::string_view app_id, std::string_view ref) = 0;
  virtual Result<Page<core::Endpoint>> ListEndpoints(std::string_view app_id,
                                                     const PageRequest& page) = 0;
  // The endpoints `msg` would be fanned out to (the same rule CreateMessage applies).
  virtual Result<std::vector<core::Endpoint>> ListSubscribedEndpoints(const core::Message& msg) = 0;
  virtual void CreateEndpoint(core::Endpoint ep, Idempotency idem, Done<core::Endpoint> done) = 0;
  // Replaces by (app_id, id). `idem` covers POST-shaped updates such as secret rotation.
  virtual void UpdateEndpoint(core::Endpoint ep, Idempotency idem, Done<core::Endpoint> done) = 0;
  virtual void DeleteEndpoint(std::string app_id, std::string id, Done<void> done) = 0;

  // Messages (per app); ref is the id or the eventId
  virtual Result<core::Message> GetMessage(std::string_view app_id, std::string_view ref) = 0;
  virtual Result<Page<core::Message>> ListMessages(std::string_view app_id,
                                                   const MessageFilter& filter,
                                                   const PageRequest& page) = 0;
  // Also creates, in the same commit, the message's deliveries as `routing` says (and the
  // callback endpoint); they are reported to the due listener after commit.
  virtual void CreateMessage(core::Message msg, Idempotency idem, MessageRouting routing,
                             Done<core::Message> done) = 0;
  virtual void ExpungeMessageContent(std::string app_id, std::string id, Done<void> done) = 0;

  // Delivery state
  // Receives deliveries that a commit made due (fan-out, resend, recover), on a store thread,
  // after the commit. Must not block. Set before Init().
  virtual void SetDueListener(std::function<void(std::vector<core::DueDelivery>)> listener) = 0;
  // Deliveries with next_attempt_at <= now, in due order, strictly after `after` when given;
  // only those to `endpoint_id` when given. Each carries its message when the payload is small.
  virtual Result<std::vector<core::DueDelivery>> ListDueDeliveries(
      core::TimePoint now, const std::optional<DueCursor>& after, int limit,
      const std::optional<std::string>& endpoint_id = std::nullopt) = 0;
  // Records the attempt (if any) and applies `update` to the delivery, atomically. A delivery
  // that no longer exists (message or endpoint deleted) is not an error.
  virtual void RecordOutcome(std::optional<core::Attempt> attempt, core::DeliveryUpdate update,
                             Done<void> done) = 0;
  // Makes one delivery due at `now` as a manual attempt, creating it if the message never
  // went to that endpoint.
  virtual void ResendDelivery(std::string app_id, std::string msg_id, std::string endpoint_id,
                              core::TimePoint now, Done<void> done) = 0;
  // Makes the endpoint's failed deliveries of messages created in [since, until) due at `now`.
  // Returns how many.
  virtual void RecoverDeliveries(std::string endpoint_id, core::TimePoint since,
                                 std::optional<core::TimePoint> until, core::TimePoint now,
                                 Done<int64_t> done) = 0;

  // Cancels the message's deliveries that are not yet sent, except to endpoints in `in_flight`
  // (an attempt is under way). Reports which endpoints were killed and which were not (already
  // finished or in flight).
  virtual void KillDeliveries(std::string msg_id, std::vector<std::string> in_flight,
                              Done<KillResult> done) = 0;

  // Delivery history (all scoped to one app)
  virtual Result<Page<core::Attempt>> ListAttempts(std::string_view app_id,
                                                   const AttemptFilter& filter,
                                                   const PageRequest& page) = 0;
  virtual Result<core::Attempt> GetAttempt(std::string_view app_id, std::string_view msg_id,
                                           std::string_view attempt_id) = 0;
  virtual Result<Page<DeliveryView>> ListMessageDestinations(std::string_view app_id,
                                                             std::string_view msg_id,
                                                             const PageRequest& page) = 0;
  virtual Result<Page<DeliveryView>> ListEndpointMessages(std::string_view app_id,
                                                          std::string_view endpoint_id,
                                                          const AttemptFilter& filter,
                                                          const PageRequest& page) = 0;
  virtual Result<DeliveryStats> GetEndpointStats(std::string_view app_id,
                                                 std::string_view endpoint_id,
                                                 std::optional<core::TimePoint> since,
                                                 std::optional<core::TimePoint> until) = 0;

  // Tokens and idempotency
  virtual Result<core::Token> FindTokenByHash(std::string_view hash) = 0;
  virtual Result<int64_t> CountTokens() = 0;
  virtual void CreateToken(core::Token token, Done<core::Token> done) = 0;
  // Unexpired record or nullopt.
  virtual Result<std::optional<core::IdempotencyRecord>> GetIdempotency(std::string_view scope,
                                                                        std::string_view key) = 0;
};

// Tuning shared by implementations.
struct StoreOptions {
  size_t commit_max_batch = 1024;  // writes per group commit
  int commit_linger_us = 200;      // how long the writer waits to fill a batch
};

// Picks the implementation by URL scheme: "sqlite:///abs/path.db" or "sqlite://relative.db".
// The returned store is not yet initialised.
Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const core::Clock& clock,
                                         StoreOptions options = {});

// Blocks until a write completes; for CLI commands and tests, never on request paths.
template <class T, class F>
Result<T> Wait(F&& submit);

}  // namespace hookd::store

#include "store/store_wait.h"
