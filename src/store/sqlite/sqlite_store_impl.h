// The SQLite store's class, defined across one file per aggregate (internal to store/sqlite):
// sqlite_store.cc (lifecycle), apps.cc, event_types.cc, endpoints.cc, messages.cc,
// deliveries.cc, tokens.cc. Rules shared by its files live here.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/time_format.h"
#include "store/json_fields.h"
#include "store/sqlite/claim_cache.h"
#include "store/sqlite/db.h"
#include "store/sqlite/group_commit.h"
#include "store/sqlite/lease_table.h"
#include "store/sqlite/read_pool.h"
#include "store/sqlite/routing_cache.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"
#include "store/task_thread.h"

namespace hookd::store::sqlite {

using core::ErrorCode;
using core::FromMicros;
using core::ToMicros;

// The lease table's key of a delivery.
inline std::string KeyOf(std::string_view msg_id, std::string_view endpoint_id) {
  std::string key(msg_id);
  key += '/';
  key += endpoint_id;
  return key;
}

// Deliveries that commits of this store made due, kept for its next claim (no read back).
// Bounded: what does not fit stays due in the database, where sweeps find it.
inline constexpr size_t kFreshLimit = 16384;
inline constexpr size_t kFreshBytes = 32 << 20;  // payload bytes the fresh deliveries carry
// Each fresh delivery is a read in progress for the lease table (LeaseTable::BeginRead), which
// remembers the claims ended since; one kept longer is left to sweeps, so that the table
// forgets them.
inline constexpr auto kFreshLife = std::chrono::seconds(2);
// Claims of killed deliveries, held until the kill commits.
inline constexpr const char* kKillNode = "kill";

// Binds ?1..?20 of kInsertEndpoint (and of the endpoint UPDATE) to `e`.
template <class S>
S& BindEndpoint(S&& s, const core::Endpoint& e) {
  s.Bind(1, e.id)
      .Bind(2, e.app_id)
      .Bind(3, e.uid)
      .Bind(4, e.url)
      .Bind(5, e.description)
      .Bind(6, e.disabled)
      .Bind(7, EncodeList(e.event_types))
      .Bind(8, EncodeList(e.channels))
      .Bind(9, e.throttle_rate)
      .Bind(10, e.version)
      .Bind(11, EncodeMap(e.metadata))
      .Bind(12, EncodeMap(e.headers))
      .Bind(13, EncodeSecrets(e.secrets))
      .Bind(14, ToMicros(e.created_at))
      .Bind(15, ToMicros(e.updated_at))
      .Bind(16, EncodeInts(e.retry_schedule))
      .Bind(17, EncodeOptions(e.options))
      .Bind(18, e.ephemeral)
      .Bind(19, EncodeFailurePolicy(e.failure_policy))
      .Bind(20, e.fallback_url);
  return s;
}

// Inserts `msg` and, as `routing` says, its deliveries (and callback endpoint); appends the
// deliveries made due to `due`. `routing_cache`: the writer's, to plan a fan-out to subscribers
// without reading endpoints in SQL (nullptr: read them).
Result<core::Message> InsertMessage(Db& db, const core::Message& msg, const MessageRouting& routing,
                                    std::vector<core::DueDelivery>& due,
                                    RoutingCache* routing_cache = nullptr);
// SQL: whether an operational endpoint subscribes to event type `type` (an SQL expression).
std::string OpsListenSql(std::string_view type);
// Queues message `msg_id` for the completion check (batch_store.h).
Status QueueCompletionCheck(Db& db, const std::string& msg_id);
// Records a received request (inbox.cc); a forwarded one's body is its message's payload.
Status InsertInboxRequest(Db& db, const core::InboxRequest& request);
// Makes what an enabled endpoint held while it was disabled due at `now_us`, in message order.
Status ReleaseHeld(Db& db, const std::string& endpoint_id, int64_t now_us);
// Plans the alerts of the stored operational event `event_id` (see alert_store.h).
Status PlanAlerts(Db& db, const std::string& event_id, core::TimePoint now);
// Inserts each event as a message of the operations app, fanned out to its endpoints, with its
// alerts.
Status InsertOpsEvents(Db& db, const std::vector<core::OpsEvent>& events, core::TimePoint now,
                       std::vector<core::DueDelivery>& due);

class SqliteStore final : public Store {
 public:
  SqliteStore(SqliteOptions options, const core::Clock& clock)
      : options_(std::move(options)),
        clock_(clock),
        reads_(options_.path),
        leases_(LeaseTable::For(options_.path)),
        writer_(write_db_, {.max_batch = options_.max_batch,
                            .linger = std::chrono::microseconds(options_.linger_us),
                            .maintenance =
                                [this](Db& db) {
                                  PurgeExpired(db);
                                  RollUpStats(db);
                                },
                            .maintenance_interval = options_.maintenance_interval,
                            .wal_path = options_.durable ? options_.path + "-wal" : "",
                            .before_commit = [this](Db& db) { FlushStats(db); },
                            .after_commit = [this] { claimed_config_.Committed(); },
                            .on_rollback =
                                [this](bool batch) {
                                  routing_.Clear();
                                  if (batch) (void)stats_.Take();
                                }}) {}

  ~SqliteStore() override { Close(); }

  Status Init() override;
  void Close() override;
  StoreStats Stats() const override;
  void Barrier(Done<void> done) override;

  // Applications
  Result<core::App> GetApp(std::string_view ref) override;
  Result<Page<core::App>> ListApps(const PageRequest& page) override;
  void CreateApp(core::App app, Idempotency idem, Done<core::App> done) override;
  void UpdateApp(core::App app, Done<core::App> done) override;
  void DeleteApp(std::string id, Done<void> done) override;

  // Event types
  Result<core::EventType> GetEventType(std::string_view name) override;
  Result<Page<core::EventType>> ListEventTypes(const PageRequest& page,
                                               bool include_archived) override;
  void CreateEventType(core::EventType et, Idempotency idem, Done<core::EventType> done) override;
  void UpdateEventType(core::EventType et, Idempotency idem, Done<core::EventType> done) override;
  void DeleteEventType(std::string name, Done<void> done) override;

  // Endpoints
  Result<core::Endpoint> GetEndpoint(std::string_view app_id, std::string_view ref) override;
  Result<Page<core::Endpoint>> ListEndpoints(std::string_view app_id,
                                             const PageRequest& page) override;
  Result<std::vector<core::Endpoint>> ListSubscribedEndpoints(const core::Message& msg) override;
  void CreateEndpoint(core::Endpoint ep, Idempotency idem, std::vector<core::OpsEvent> events,
                      Done<core::Endpoint> done) override;
  void UpdateEndpoint(core::Endpoint ep, Idempotency idem, std::vector<core::OpsEvent> events,
                      Done<core::Endpoint> done) override;
  void DeleteEndpoint(std::string app_id, std::string id, std::vector<core::OpsEvent> events,
                      Done<void> done) override;

  // Messages
  Result<core::Message> GetMessage(std::string_view app_id, std::string_view ref) override;
  Result<Page<core::Message>> ListMessages(std::string_view app_id, const MessageFilter& filter,
                                           const PageRequest& page) override;
  void CreateMessage(core::Message msg, Idempotency idem, MessageRouting routing,
                     Done<core::Message> done) override;
  void ExpungeMessageContent(std::string app_id, std::string id, Done<void> done) override;

  // Delivery state and history
  void SetDueListener(std::function<void()> wake) override;
  void ClaimDue(ClaimRequest request, Done<ClaimBatch> done) override;
  void RenewLeases(std::string node, core::TimePoint now, core::TimePoint until,
                   Done<LeaseRenewal> done) override;
  void ReleaseClaims(std::string node, std::vector<core::DeliveryKey> keys,
                     Done<void> done) override;
  void RecordOutcome(std::optional<core::Attempt> attempt, core::DeliveryUpdate update,
                     Done<void> done) override;
  void ResendDelivery(std::string app_id, std::string msg_id, std::string endpoint_id,
                      core::TimePoint now, Done<void> done) override;
  void StartProbes(core::TimePoint now, Done<int64_t> done) override;
  void KillDeliveries(core::Message msg, std::optional<std::string> app_uid, core::TimePoint now,
                      Done<KillResult> done) override;
  // batches.cc
  void CreateBatch(core::Batch batch, std::optional<core::Endpoint> callback, Idempotency idem,
                   Done<core::Batch> done) override;
  Result<core::Batch> GetBatch(std::string_view app_id, std::string_view id) override;
  Result<Page<core::Batch>> ListBatches(std::string_view app_id, const PageRequest& page) override;
  void CloseBatch(std::string app_id, std::string id, core::TimePoint now,
                  Done<core::Batch> done) override;
  Result<Page<BatchMember>> ListBatchMembers(std::string_view app_id, std::string_view batch_id,
                                             const PageRequest& page) override;
  Result<core::MessageCompletion> GetCompletion(std::string_view app_id,
                                                std::string_view msg_id) override;
  void CheckCompletions(core::TimePoint now, size_t limit, Done<int64_t> done) override;
  // inbox.cc
  Result<core::Source> GetSource(std::string_view ref) override;
  Result<Page<core::Source>> ListSources(const PageRequest& page) override;
  void CreateSource(core::Source source, core::SourceToken token, Idempotency idem,
                    Done<core::Source> done) override;
  void UpdateSource(core::Source source, Done<core::Source> done) override;
  void DeleteSource(std::string id, Done<void> done) override;
  Result<core::Source> FindSourceByToken(std::string_view token) override;
  Result<std::optional<core::SourceToken>> CurrentSourceToken(std::string_view id) override;
  void RotateSourceToken(core::SourceToken token, core::TimePoint old_expires_at,
                         Done<core::SourceToken> done) override;
  void RecordRejected(core::InboxRequest request, Done<core::InboxRequest> done) override;
  Result<core::InboxRequest> GetInboxRequest(std::string_view source_id,
                                             std::string_view id) override;
  Result<Page<core::InboxRequest>> ListInboxRequests(std::string_view source_id,
                                                     const InboxRequestFilter& filter,
                                                     const PageRequest& page) override;
  // alerts.cc
  void ClaimDueAlerts(std::string node, core::TimePoint now, core::TimePoint lease_until,
                      size_t limit, Done<std::vector<Alert>> done) override;
  void RecordAlert(Alert alert, std::string node, Done<void> done) override;
  Result<Page<Alert>> ListAlerts(std::string_view app_id, const PageRequest& page) override;
  // tasks.cc
  void CreateTask(BackgroundTask task, Idempotency idem, Done<BackgroundTask> done) override;
  Result<BackgroundTask> GetTask(std::string_view id) override;
  Result<Page<BackgroundTask>> ListTasks(const TaskFilter& filter,
                                         const PageRequest& page) override;
  void ClaimTask(std::string node, core::TimePoint now, core::TimePoint lease_until,
                 Done<std::optional<BackgroundTask>> done) override;
  void StepTask(const BackgroundTask& task, std::string node, core::TimePoint now,
                core::TimePoint lease_until, size_t limit, Done<TaskStep> done) override;
  void FinishTask(const BackgroundTask& task, std::string node, core::TimePoint now,
                  core::OpsEvent finished, Done<void> done) override;
  Result<Page<core::Attempt>> ListAttempts(std::string_view app_id, const AttemptFilter& filter,
                                           const PageRequest& page) override;
  Result<core::Attempt> GetAttempt(std::string_view app_id, std::string_view msg_id,
                                   std::string_view attempt_id) override;
  void ExpungeAttemptContent(std::string app_id, std::string msg_id, std::string attempt_id,
                             Done<void> done) override;
  Result<Page<DeliveryView>> ListMessageDestinations(std::string_view app_id,
                                                     std::string_view msg_id,
                                                     const PageRequest& page) override;
  Result<Page<DeliveryView>> ListEndpointMessages(std::string_view app_id,
                                                  std::string_view endpoint_id,
                                                  const AttemptFilter& filter,
                                                  const PageRequest& page) override;
  Result<DeliveryStats> GetEndpointStats(std::string_view app_id, std::string_view endpoint_id,
                                         std::optional<core::TimePoint> since,
                                         std::optional<core::TimePoint> until) override;

  // stats.cc
  Result<std::vector<StatsPoint>> ReadStats(const StatsQuery& query) override;
  Result<std::vector<EndpointHealth>> ReadEndpointHealth(
      std::string_view app_id, const std::vector<std::string>& endpoint_ids,
      core::TimePoint now) override;
  Result<std::vector<AppUsage>> ReadAppUsage(core::TimePoint since, core::TimePoint until,
                                             const std::vector<std::string>& app_ids) override;

  // Tokens and idempotency
  Result<core::Token> FindTokenByHash(std::string_view hash) override;
  Result<int64_t> CountTokens() override;
  void CreateToken(core::Token token, Done<core::Token> done) override;
  void DeleteToken(std::string_view id, Done<void> done) override;
  void ExpirePortalTokens(std::string_view app_id, core::TimePoint at,
                          std::vector<std::string> session_ids, Done<void> done) override;
  Result<std::optional<core::IdempotencyRecord>> GetIdempotency(std::string_view scope,
                                                                std::string_view key) override;

 private:
  static std::unexpected<core::Error> Conflict(const core::Error& e, std::string detail) {
    if (e.code == ErrorCode::kConflict) return core::Fail(ErrorCode::kConflict, std::move(detail));
    return std::unexpected(e);
  }
  static std::unexpected<core::Error> Internal(const Stmt& s) {
    return std::unexpected(s.error().value_or(core::Error{ErrorCode::kInternal, "no row", {}}));
  }

  template <class S>
  static S& BindEventType(S&& s, const core::EventType& et) {
    s.Bind(1, et.id)
        .Bind(2, et.name)
        .Bind(3, et.description)
        .Bind(4, et.archived)
        .Bind(5, et.deprecated)
        .Bind(6, et.schemas)
        .Bind(7, EncodeList(et.feature_flags))
        .Bind(8, et.group_name)
        .Bind(9, ToMicros(et.created_at))
        .Bind(10, ToMicros(et.updated_at))
        .Bind(11, et.expects_reply);
    return s;
  }

  template <class T, class Reader>
  Result<T> ReadOne(const std::string& sql, const std::vector<Param>& params, Reader read,
                    const char* what) {
    auto db = reads_.Acquire();
    if (!db) return std::unexpected(db.error());
    auto s = (*db)->Prepare(sql);
    BindAll(s, params);
    if (!s.Step()) {
      if (s.error()) return std::unexpected(*s.error());
      return core::NotFound(what);
    }
    return read(s);
  }

  // True when a read of `sql` finds no row: periodic writes that are mostly idle look first,
  // since every commit syncs the WAL.
  bool NoRow(const std::string& sql, const std::vector<Param>& params) {
    auto found = ReadOne<bool>(
        sql, params, [](Stmt&) { return true; }, "row");
    return !found && found.error().code == ErrorCode::kNotFound;
  }

  // Keyset pagination over `key` (unique). See PageRequest.
  template <class T, class Reader, class KeyOf>
  Result<Page<T>> List(const std::string& select, const std::string& where,
                       std::vector<Param> params, const std::string& key, const PageRequest& page,
                       Reader read, KeyOf key_of,
                       const std::function<size_t(const T&)>& size_of = nullptr) {
    auto scan = ScanFor(page);
    std::string sql = select + " WHERE ";
    sql += where.empty() ? "1" : where;
    if (scan.after) {
      sql += " AND " + key + (scan.ascending ? " > ?" : " < ?");
      params.emplace_back(*scan.after);
    }
    sql += " ORDER BY " + key + (scan.ascending ? " ASC" : " DESC") + " LIMIT ?";
    params.emplace_back(static_cast<int64_t>(scan.fetch));

    auto db = reads_.Acquire();
    if (!db) return std::unexpected(db.error());
    auto s = (*db)->Prepare(sql);
    BindAll(s, params);
    std::vector<T> rows;
    size_t bytes = 0;
    bool cut = false;
    while (s.Step()) {
      rows.push_back(read(s));
      if (!size_of || !page.max_bytes) continue;
      bytes += size_of(rows.back());
      if (rows.size() > 1 && bytes > page.max_bytes) {  // rows are read one at a time: stop here
        rows.pop_back();
        cut = true;
        break;
      }
    }
    if (s.error()) return std::unexpected(*s.error());
    return FinishPage(std::move(rows), page, key_of, cut);
  }

  // Queues `fn` on the writer; records `idem` in the same write (undone with it).
  // `due`, when given, is filled by `fn` with deliveries it made due; after commit they are kept
  // for the next claim and the due listener is woken. `counted`: statistics the write adds to
  // its batch's when it is applied (stats_store.h).
  template <class T, class Fn>
  void Write(Idempotency idem, Done<T> done, Fn fn,
             std::shared_ptr<std::vector<core::DueDelivery>> due = nullptr,
             std::optional<StatsBatch::Row> counted = std::nullopt) {
    auto result = std::make_shared<std::optional<Result<T>>>();  // set when applied
    WriteTask task{[this, result, idem = std::move(idem), fn = std::move(fn),
                    counted = std::move(counted)](Db& db) {
                     if (idem && !RecordIdempotency(db, *idem, clock_)) {
                       *result =
                           core::Fail(ErrorCode::kIdempotencyTaken, "idempotency key already used");
                       return false;
                     }
                     *result = fn(db);
                     bool applied = (*result)->has_value();
                     if (applied && counted) stats_.Add(*counted);
                     return applied;
                   },
                   [this, result, done, due](const core::Status& durable) {
                     // The write's own error stands; otherwise a batch that failed fails the write.
                     if (*result && !**result) return done(std::move(**result));
                     if (!durable) return done(std::unexpected(durable.error()));
                     if (due && !due->empty()) AddFresh(std::move(*due));
                     done(std::move(**result));
                   }};
    if (!writer_.Submit(std::move(task))) {
      done(core::Fail(ErrorCode::kUnavailable, "the store is shutting down"));
    }
  }

  // `col` strictly between `after` and `before`, each bound when given.
  static void AddTimeRange(const char* col, const std::optional<core::TimePoint>& before,
                           const std::optional<core::TimePoint>& after, std::string& where,
                           std::vector<Param>& params) {
    if (before) {
      where += std::string(" AND ") + col + " < ?";
      params.emplace_back(ToMicros(*before));
    }
    if (after) {
      where += std::string(" AND ") + col + " > ?";
      params.emplace_back(ToMicros(*after));
    }
  }

  // The message-level filters of message, attempt and delivery lists; `m` names the messages
  // table (or its alias) in the query.
  static void AddMessageFilters(const std::vector<std::string>& event_types,
                                const std::optional<std::string>& channel, const std::string& m,
                                std::string& where, std::vector<Param>& params) {
    if (!event_types.empty()) {
      where += " AND " + m + ".event_type IN (";
      for (size_t i = 0; i < event_types.size(); ++i) {
        where += i ? ",?" : "?";
        params.emplace_back(event_types[i]);
      }
      where += ")";
    }
    if (channel) {
      where += " AND EXISTS (SELECT 1 FROM json_each(" + m + ".channels) WHERE value = ?)";
      params.emplace_back(*channel);
    }
  }

  // Deletes a bounded number of expired idempotency records (runs on the writer).
  void PurgeExpired(Db& db) {
    (void)db
        .Prepare(
            "DELETE FROM idempotency WHERE (scope, key) IN (SELECT scope, key FROM"
            " idempotency WHERE expires_at <= ? ORDER BY expires_at LIMIT 10000)")
        .Bind(1, ToMicros(clock_.Now()))
        .Run();
  }

  // False if an unexpired record holds the key. Expired records are replaced.
  static bool RecordIdempotency(Db& db, const core::IdempotencyRecord& r,
                                const core::Clock& clock) {
    (void)db.Prepare("DELETE FROM idempotency WHERE scope=? AND key=? AND expires_at <= ?")
        .Bind(1, r.scope)
        .Bind(2, r.key)
        .Bind(3, ToMicros(clock.Now()))
        .Run();
    return db
        .Prepare(
            "INSERT INTO idempotency(scope, key, fingerprint, status, body, expires_at)"
            " VALUES (?,?,?,?,?,?)")
        .Bind(1, r.scope)
        .Bind(2, r.key)
        .Bind(3, r.fingerprint)
        .Bind(4, r.status)
        .Bind(5, r.body)
        .Bind(6, ToMicros(r.expires_at))
        .Run()
        .has_value();
  }

  void AddFresh(std::vector<core::DueDelivery> due) {
    if (!wake_) return;  // nobody claims from this store
    {
      std::lock_guard lock(fresh_mu_);
      auto now = std::chrono::steady_clock::now();
      // Each a read of what their commit made visible; those that do not fit end at once.
      auto seq = leases_->BeginRead(due.size());
      size_t kept = 0;
      for (auto& d : due) {
        size_t bytes = d.message ? d.message->payload.size() : 0;
        if (fresh_.size() >= kFreshLimit || fresh_bytes_ + bytes > kFreshBytes) break;
        fresh_bytes_ += bytes;
        fresh_.push_back({now, seq, bytes, std::move(d)});
        ++kept;
      }
      if (kept < due.size()) leases_->EndRead(seq, due.size() - kept);
    }
    wake_();
  }

  // Where a claim batch stands: per-endpoint and per-app counts and room, and the endpoint and
  // app snapshots read for it.
  struct ClaimContext {
    const ClaimRequest& req;
    ClaimBatch out;
    std::unordered_map<std::string, std::shared_ptr<const core::Endpoint>> endpoints;
    std::unordered_map<std::string, std::shared_ptr<const core::App>> apps;
    std::unordered_map<std::string, size_t> per_endpoint, per_app;
    bool full() const { return out.claimed.size() >= req.limit; }
  };

  // Applies `u.accounting` to the endpoint's failure record (on the writer, within the outcome's
  // write): disables the endpoint when the record crosses the policy (or `u.disable_endpoint`)
  // and emits endpoint.disabled.
  Status Account(Db& db, const core::DeliveryUpdate& u, core::TimePoint now,
                 std::vector<core::DueDelivery>& due);
  // Applies a recovery probe's outcome (u.probe_ok): enables the endpoint and releases what it
  // held, or doubles its cool-down.
  static Status Probed(Db& db, const core::DeliveryUpdate& u, core::TimePoint now);

  // Writes the statistics the batch's outcomes counted (on the writer, before its COMMIT), and
  // rolls old minutes into hours (maintenance).
  void FlushStats(Db& db);
  void RollUpStats(Db& db);

  // Claims for `req` on the claims thread: fresh deliveries first, then a sweep of the due order.
  Result<ClaimBatch> Claim(const ClaimRequest& req);
  // Claims `d` into the batch if its endpoint and app have room and no other node holds it;
  // fills in what sending it needs. Deliveries whose endpoint or message is gone are skipped.
  // True when `d` was passed over for want of room (its endpoint or app is crowded).
  bool TryClaim(ClaimContext& ctx, core::DueDelivery d, uint64_t read_seq);

  SqliteOptions options_;
  const core::Clock& clock_;
  std::function<void()> wake_;
  Db write_db_;
  ReadPool reads_;
  std::shared_ptr<LeaseTable> leases_;
  std::mutex fresh_mu_;
  struct Fresh {
    std::chrono::steady_clock::time_point added;
    uint64_t seq;  // as read by the commit that made it due
    size_t bytes;  // of the payload it carries
    core::DueDelivery due;
  };
  std::deque<Fresh> fresh_;
  size_t fresh_bytes_ = 0;
  std::atomic<uint64_t> outcomes_refused_{0};
  RoutingCache routing_;       // the writer's
  ClaimCache claimed_config_;  // the claims thread's (the writer counts changes)
  StatsBatch stats_;           // the writer's: what the open batch's outcomes counted
  GroupCommitter writer_;
  TaskThread claims_{"hookd-claims"};
  bool started_ = false;
};

}  // namespace hookd::store::sqlite
