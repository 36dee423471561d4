// The PostgreSQL store's class, shared by its per-aggregate source files (apps.cc,
// event_types.cc, endpoints.cc, messages.cc, deliveries.cc, claims.cc, tokens.cc). Internal to
// store/postgres.
#pragma once

#include <atomic>
#include <cassert>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "store/postgres/conn.h"
#include "store/postgres/health.h"
#include "store/postgres/listener.h"
#include "store/postgres/pool.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"
#include "store/postgres/writer.h"
#include "store/task_thread.h"

namespace hookd::store::postgres {

class PostgresStore final : public Store {
 public:
  PostgresStore(PostgresOptions options, const core::Clock& clock);
  ~PostgresStore() override { Close(); }

  Status Init() override;
  void Close() override;
  StoreStats Stats() const override;
  void Barrier(Done<void> done) override;

  // apps.cc
  Result<core::App> GetApp(std::string_view ref) override;
  Result<Page<core::App>> ListApps(const PageRequest& page) override;
  void CreateApp(core::App app, Idempotency idem, Done<core::App> done) override;
  void UpdateApp(core::App app, Done<core::App> done) override;
  void DeleteApp(std::string id, Done<void> done) override;

  // event_types.cc
  Result<core::EventType> GetEventType(std::string_view name) override;
  Result<Page<core::EventType>> ListEventTypes(const PageRequest& page,
                                               bool include_archived) override;
  void CreateEventType(core::EventType et, Idempotency idem, Done<core::EventType> done) override;
  void UpdateEventType(core::EventType et, Idempotency idem, Done<core::EventType> done) override;
  void DeleteEventType(std::string name, Done<void> done) override;

  // endpoints.cc
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

  // messages.cc
  Result<core::Message> GetMessage(std::string_view app_id, std::string_view ref) override;
  Result<Page<core::Message>> ListMessages(std::string_view app_id, const MessageFilter& filter,
                                           const PageRequest& page) override;
  void CreateMessage(core::Message msg, Idempotency idem, MessageRouting routing,
                     Done<core::Message> done) override;
  void ExpungeMessageContent(std::string app_id, std::string id, Done<void> done) override;

  // claims.cc
  void SetDueListener(std::function<void()> wake) override { wake_ = std::move(wake); }
  void ClaimDue(ClaimRequest request, Done<ClaimBatch> done) override;
  void RenewLeases(std::string node, core::TimePoint now, core::TimePoint until,
                   Done<LeaseRenewal> done) override;
  void ReleaseClaims(std::string node, std::vector<core::DeliveryKey> keys,
                     Done<void> done) override;

  // deliveries.cc
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

  // tokens.cc
  Result<core::Token> FindTokenByHash(std::string_view hash) override;
  Result<int64_t> CountTokens() override;
  void CreateToken(core::Token token, Done<core::Token> done) override;
  void DeleteToken(std::string_view id, Done<void> done) override;
  void ExpirePortalTokens(std::string_view app_id, core::TimePoint at,
                          std::vector<std::string> session_ids, Done<void> done) override;
  Result<std::optional<core::IdempotencyRecord>> GetIdempotency(std::string_view scope,
                                                                std::string_view key) override;

 private:
  using Keys = std::vector<core::DeliveryKey>;

  // Runs `fn(Conn&)` on a pooled connection; once more on a new one when the pooled connection
  // turned out broken (e.g. the server restarted since it was last used).
  template <class Fn>
  auto Read(Fn fn) -> decltype(fn(std::declval<Conn&>())) {
    for (int attempt = 0;; ++attempt) {
      auto conn = pool_.Acquire();
      if (!conn) return std::unexpected(conn.error());
      auto r = fn(**conn);
      if (r || attempt > 0 || !(*conn)->broken()) return r;
    }
  }

  template <class T, class Reader>
  Result<T> ReadOne(Query q, Reader read, const char* what) {
    return Read([&](Conn& c) -> Result<T> {
      auto rows = c.Exec(q);
      if (!rows) return std::unexpected(rows.error());
      if (rows->size() == 0) return core::NotFound(what);
      return read(Row{*rows, 0});
    });
  }

  // One keyset page (store/paging.h) of `select` (ending in FROM ...), filtered by `where`,
  // ordered by the unique `key`. `sizes_select` (SELECT <row bytes> FROM ..., the same tables):
  // with page.max_bytes, the rows' sizes are read first and only the rows that fit are fetched
  // (a result is read whole, so it must be bounded before it is asked for).
  template <class T, class Reader, class KeyOf>
  Result<Page<T>> List(const std::string& select, Where where, const std::string& key,
                       const PageRequest& page, Reader read, KeyOf key_of,
                       const std::string& sizes_select = "") {
    auto scan = ScanFor(page);
    if (scan.after) where.And(key + (scan.ascending ? " > {}" : " < {}"), {*scan.after});
    std::string rest = " WHERE " + (where.sql.empty() ? std::string("true") : where.sql) +
                       " ORDER BY " + key + (scan.ascending ? " ASC" : " DESC") + " LIMIT $" +
                       std::to_string(where.params.size() + 1);
    return Read([&](Conn& c) -> Result<Page<T>> {
      int64_t fetch = scan.fetch;
      bool cut = false;
      if (page.max_bytes && !sizes_select.empty()) {
        auto params = where.params;
        params.push_back(P(fetch));
        auto sizes = c.Exec(sizes_select + rest, params);
        if (!sizes) return std::unexpected(sizes.error());
        std::vector<size_t> bytes;
        for (int i = 0; i < sizes->size(); ++i) bytes.push_back(size_t(Row{*sizes, i}.Int(0)));
        size_t fit = RowsWithin(bytes, page.max_bytes);
        cut = fit < bytes.size();
        if (cut) fetch = int64_t(fit);
      }
      auto params = where.params;
      params.push_back(P(fetch));
      auto rows = c.Exec(select + rest, params);
      if (!rows) return std::unexpected(rows.error());
      std::vector<T> out;
      out.reserve(rows->size());
      for (int i = 0; i < rows->size(); ++i) out.push_back(read(Row{*rows, i}));
      return FinishPage(std::move(out), page, key_of, cut);
    });
  }

  // Queues a write of `queries`, run in one savepoint with `idem` recorded first. `check(rows,
  // due)` turns their results, or the first error among them (the write is then rolled back
  // alone), into the write's result; it must fail exactly when given an error: every failure is
  // a statement error (see FailUnless). It fills `due` with deliveries the write made due, kept
  // for the next claim (the due listener is woken after the commit). `notify`: the write may make
  // deliveries due (its batch tells other nodes).
  template <class T, class Check>
  void Write(Idempotency idem, Done<T> done, std::vector<Query> queries, Check check,
             bool notify = false, std::optional<StatsBatch::Row> counted = std::nullopt) {
    struct State {
      Result<T> result = Unavailable();  // until the write ran
      Keys due;
    };
    auto st = std::make_shared<State>();
    bool with_idem = idem.has_value();
    if (idem) queries.insert(queries.begin(), IdempotencyQuery(*idem));
    WriteTask task{std::move(queries), notify,
                   [st, with_idem, check = std::move(check)](Result<std::vector<Rows>> rows) {
                     if (rows && with_idem) rows->erase(rows->begin());
                     bool failed = !rows.has_value();
                     st->result = check(std::move(rows), st->due);
                     assert(failed == !st->result.has_value());
                     if (failed) return Verdict::kRolledBack;
                     return st->due.empty() ? Verdict::kApplied : Verdict::kMadeDue;
                   },
                   [this, st, done](bool committed) {
                     if (!committed && st->result) return done(Unavailable());
                     if (st->result && !st->due.empty()) AddFresh(std::move(st->due));
                     done(std::move(st->result));
                   },
                   std::move(counted)};
    if (!writer_.Submit(std::move(task))) {
      done(core::Fail(core::ErrorCode::kUnavailable, "the store is shutting down"));
    }
  }

  // Records `r`; fails with kIdempotencyTaken when an unexpired record holds its key.
  Query IdempotencyQuery(const core::IdempotencyRecord& r) const;
  // Deletes a bounded number of expired idempotency records (on the writer).
  void PurgeExpired(Conn& conn);
  // stats.cc: the upserts of a batch's statistics; old minutes rolled into hours (maintenance).
  std::vector<Query> StatsQueries(std::vector<StatsBatch::Row> rows) const;
  void RollUpStats(Conn& conn);

  // claims.cc
  // Deliveries this store's commits made due, claimed first while a claimant listens (bounded:
  // the rest stays due in the database, where sweeps find it).
  void AddFresh(Keys keys);
  Result<ClaimBatch> Claim(const ClaimRequest& req);
  // Releases the leases in doubt (see in_doubt_), before anything else claims or renews.
  Status ReleaseInDoubt(Conn& conn);
  // One claim transaction: `fresh` by key, then (`sweep`) the due order, after req.after when
  // `moves_cursor` (else from its head, leaving the cursor where it was).
  Result<ClaimBatch> ClaimOn(Conn& conn, const ClaimRequest& req, const Keys& fresh, bool sweep,
                             bool moves_cursor);

  PostgresOptions options_;
  const core::Clock& clock_;
  std::function<void()> wake_;
  Health health_;
  Pool pool_;
  Writer writer_;
  Listener listener_;
  TaskThread claims_{"hookd-claims"};
  std::mutex fresh_mu_;
  std::deque<core::DeliveryKey> fresh_;
  // Another node made deliveries due: the next claim also looks at the head of the due order.
  std::atomic<bool> foreign_due_{false};
  // Leases of a claim whose commit is in doubt (its round trip broke), and of outcomes that
  // could not be recorded; claims thread only.
  struct {
    std::string node;
    Keys keys;
  } in_doubt_;
  std::atomic<uint64_t> outcomes_refused_{0};
  bool started_ = false;
};

// "the message/endpoint key" of a delivery, for sets and maps.
inline std::string KeyOf(std::string_view msg_id, std::string_view endpoint_id) {
  std::string key(msg_id);
  key += '/';
  key += endpoint_id;
  return key;
}

// `modify` (an INSERT, UPDATE or DELETE without RETURNING) failing with `code` and `detail`
// when it affects no row: a statement error, so the write is rolled back (see Write).
std::string FailUnless(std::string_view modify, core::ErrorCode code, std::string_view detail);
inline std::string OrNotFound(std::string_view modify, std::string_view what) {
  return FailUnless(modify, core::ErrorCode::kNotFound, std::string(what) + " not found");
}

// Appends to `queries` what stores `events` as operations-app messages (with `only_if`: only
// while that delivery exists) and fans them out, together with the messages `more_ids` that
// earlier queries of the write may have stored, and plans their alerts. Returns the index of the
// fan-out query, none when there is nothing to fan out.
std::optional<size_t> AddOpsEvents(std::vector<Query>& queries,
                                   const std::vector<core::OpsEvent>& events, core::TimePoint now,
                                   const std::optional<core::DeliveryKey>& only_if = std::nullopt,
                                   std::vector<std::string> more_ids = {});
// SQL: whether an operational endpoint subscribes to event type `type` (an SQL expression).
std::string OpsListenSql(std::string_view type);
// Makes what an enabled endpoint held while it was disabled due at `now`, in message order.
Query ReleaseHeldQuery(const std::string& endpoint_id, core::TimePoint now);
// Plans the alerts of the stored operational events `event_ids` (see alert_store.h).
Query PlanAlertsQuery(std::vector<std::string> event_ids, core::TimePoint now);
// Adds the deliveries the fan-out query at `fan_out` made due to `due`.
void CollectOpsDue(const std::vector<Rows>& results, std::optional<size_t> fan_out,
                   std::vector<core::DeliveryKey>& due);

// A violated constraint as a conflict with a friendlier detail; other errors (also conflicts hookd
// raised itself, which say what they are) as they are.
inline std::unexpected<core::Error> Conflict(const core::Error& e, std::string detail) {
  if (e.code == core::ErrorCode::kConflict && e.detail.starts_with(kConstraintViolated)) {
    return core::Fail(core::ErrorCode::kConflict, std::move(detail));
  }
  return std::unexpected(e);
}

}  // namespace hookd::store::postgres
