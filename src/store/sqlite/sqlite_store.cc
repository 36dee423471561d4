#include "store/sqlite/sqlite_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <variant>

#include "core/time_format.h"
#include "store/json_fields.h"
#include "store/state_sql.h"
#include "store/sqlite/db.h"
#include "store/sqlite/group_commit.h"
#include "store/sqlite/lease_table.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/read_pool.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/task_thread.h"

namespace hookd::store::sqlite {
namespace {

using core::ErrorCode;
using core::FromMicros;
using core::ToMicros;

// The fan-out INSERT of a new message's deliveries, built once per routing: to endpoint ?6 only,
// to every subscribed endpoint, or to none; each also to the per-message callback endpoint ?7.
const std::string& FanOutSql(const MessageRouting& routing) {
  static const auto make = [](std::string_view to) {
    return WithStates(
               "INSERT INTO deliveries(msg_id, endpoint_id, app_id, status, attempts,"
               " next_attempt_at, next_trigger, created_at, updated_at)"
               " SELECT ?1, e.id, e.app_id, {pending}, 0, ?2, {scheduled}, ?2, ?2 FROM endpoints e"
               " WHERE e.app_id = ?3 AND (") +
           std::string(to) + " OR e.id = ?7) RETURNING endpoint_id";
  };
  static const std::string kOne = make("e.id = ?6"), kSubscribed = make(kSubscribes),
                           kNone = make("0");
  return routing.only_endpoint ? kOne : routing.fan_out ? kSubscribed : kNone;
}

// The due-order sweep of claims, built once per shape: from the start or resuming after the
// cursor (?2 due, ?3 msg, ?4 endpoint). Small messages come along (one query instead of a read
// per delivery).
const std::string& DueSql(bool resume) {
  static const auto make = [](bool res) {
    std::string sql =
        "SELECT d.app_id, d.msg_id, d.endpoint_id, d.attempts, d.next_trigger, d.next_attempt_at,"
        " length(m.payload) <= " + std::to_string(kHintPayloadLimit) + ", " +
        Prefixed("m", kMessageCols) +
        " FROM deliveries d JOIN messages m ON m.id = d.msg_id"
        " WHERE d.next_attempt_at IS NOT NULL AND d.next_attempt_at <= ?1";
    // The first term bounds the index range; the second resumes within ties.
    if (res) {
      sql += " AND d.next_attempt_at >= ?2 AND (d.next_attempt_at > ?2 OR"
             " (d.msg_id, d.endpoint_id) > (?3, ?4))";
    }
    return sql + " ORDER BY d.next_attempt_at, d.msg_id, d.endpoint_id LIMIT ?5";
  };
  static const std::string kSql[2] = {make(false), make(true)};
  return kSql[resume];
}

std::string KeyOf(std::string_view msg_id, std::string_view endpoint_id) {
  std::string key(msg_id);
  key += '/';
  key += endpoint_id;
  return key;
}

// Deliveries that commits of this store made due, kept for its next claim (no read back).
// Bounded: what does not fit stays due in the database, where sweeps find it.
constexpr size_t kFreshLimit = 16384;
// A fresh delivery kept longer may have been claimed by a sweep and recorded meanwhile, longer
// ago than the lease table remembers (LeaseTable::End); it is left to sweeps.
constexpr auto kFreshLife = std::chrono::seconds(2);
// Claims of killed deliveries, held until the kill commits.
constexpr const char* kKillNode = "kill";

class SqliteStore final : public Store {
 public:
  SqliteStore(SqliteOptions options, const core::Clock& clock)
      : options_(std::move(options)),
        clock_(clock),
        reads_(options_.path),
        leases_(LeaseTable::For(options_.path)),
        writer_(write_db_, {.max_batch = options_.max_batch,
                            .linger = std::chrono::microseconds(options_.linger_us),
                            .maintenance = [this](Db& db) { PurgeExpired(db); },
                            .wal_path = options_.durable ? options_.path + "-wal" : ""}) {}

  ~SqliteStore() override { Close(); }

  Status Init() override {
    std::error_code ec;
    auto parent = std::filesystem::path(options_.path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (auto s = write_db_.Open(options_.path, false); !s) return s;
    // The writer keeps up to 32 MiB of pages cached; readers 8 MiB each (see ReadPool).
    for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON",
                               "PRAGMA temp_store=MEMORY", "PRAGMA cache_size=-32768"}) {
      if (auto s = write_db_.Exec(pragma); !s) return s;
    }
    // NORMAL: commits do not wait for the disk, checkpoints sync; the group committer's syncer
    // makes each commit durable before it is acknowledged (see group_commit.h).
    if (auto s = write_db_.Exec(options_.durable ? "PRAGMA synchronous=NORMAL"
                                                 : "PRAGMA synchronous=OFF");
        !s)
      return s;
    if (auto s = Migrate(write_db_); !s) return s;
    writer_.Start();
    claims_.Start();
    started_ = true;
    return {};
  }

  void Close() override {
    if (!started_) return;
    started_ = false;
    claims_.Stop();
    writer_.Stop();
  }

  StoreStats Stats() const override {
    return {writer_.writes(), writer_.commits(), writer_.syncs(), outcomes_refused_.load()};
  }

  void Barrier(Done<void> done) override {
    Write<void>(std::nullopt, std::move(done), [](Db&) -> Status { return {}; });
  }

  // ---- Applications ----
  Result<core::App> GetApp(std::string_view ref) override {
    return ReadOne<core::App>(std::string("SELECT ") + kAppCols +
                                  " FROM apps WHERE id = ?1 OR uid = ?1",
                              {std::string(ref)}, ReadApp, "application");
  }

  Result<Page<core::App>> ListApps(const PageRequest& page) override {
    return List<core::App>(std::string("SELECT ") + kAppCols + " FROM apps", "", {}, "id", page,
                           ReadApp, [](const core::App& a) { return a.id; });
  }

  void CreateApp(core::App app, Idempotency idem, Done<core::App> done) override {
    Write<core::App>(std::move(idem), std::move(done), [app = std::move(app)](Db& db) -> Result<core::App> {
      auto s = db.Prepare("INSERT INTO apps(id, uid, name, rate_limit, metadata, created_at,"
                          " updated_at, env) VALUES (?,?,?,?,?,?,?,?)")
                   .Bind(1, app.id).Bind(2, app.uid).Bind(3, app.name).Bind(4, app.rate_limit)
                   .Bind(5, EncodeMap(app.metadata)).Bind(6, ToMicros(app.created_at))
                   .Bind(7, ToMicros(app.updated_at)).Bind(8, EncodeMap(app.env)).Run();
      if (!s) return Conflict(s.error(), "an application with this uid already exists");
      return app;
    });
  }

  void UpdateApp(core::App app, Done<core::App> done) override {
    Write<core::App>(std::nullopt, std::move(done), [app = std::move(app)](Db& db) -> Result<core::App> {
      auto s = db.Prepare("UPDATE apps SET uid=?, name=?, rate_limit=?, metadata=?, updated_at=?,"
                          " env=? WHERE id=?")
                   .Bind(1, app.uid).Bind(2, app.name).Bind(3, app.rate_limit)
                   .Bind(4, EncodeMap(app.metadata)).Bind(5, ToMicros(app.updated_at))
                   .Bind(6, EncodeMap(app.env)).Bind(7, app.id).Run();
      if (!s) return Conflict(s.error(), "an application with this uid already exists");
      if (db.Changes() == 0) return core::NotFound("application");
      return app;
    });
  }

  void DeleteApp(std::string id, Done<void> done) override {
    Write<void>(std::nullopt, std::move(done), [id = std::move(id)](Db& db) -> Status {
      if (auto s = db.Prepare("DELETE FROM apps WHERE id=?").Bind(1, id).Run(); !s) return s;
      if (db.Changes() == 0) return core::NotFound("application");
      return {};
    });
  }

  // ---- Event types ----
  Result<core::EventType> GetEventType(std::string_view name) override {
    return ReadOne<core::EventType>(std::string("SELECT ") + kEventTypeCols +
                                        " FROM event_types WHERE name = ?1 OR id = ?1",
                                    {std::string(name)}, ReadEventType, "event type");
  }

  Result<Page<core::EventType>> ListEventTypes(const PageRequest& page,
                                               bool include_archived) override {
    return List<core::EventType>(std::string("SELECT ") + kEventTypeCols + " FROM event_types",
                                 include_archived ? "" : "archived = 0", {}, "name", page,
                                 ReadEventType, [](const core::EventType& e) { return e.name; });
  }

  void CreateEventType(core::EventType et, Idempotency idem, Done<core::EventType> done) override {
    Write<core::EventType>(std::move(idem), std::move(done),
                           [et = std::move(et)](Db& db) -> Result<core::EventType> {
      auto s = BindEventType(db.Prepare("INSERT INTO event_types(id, name, description, archived,"
                                        " deprecated, schemas, feature_flags, group_name,"
                                        " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)"),
                             et).Run();
      if (!s) return Conflict(s.error(), "an event type with this name already exists");
      return et;
    });
  }

  void UpdateEventType(core::EventType et, Idempotency idem,
                       Done<core::EventType> done) override {
    Write<core::EventType>(std::move(idem), std::move(done),
                           [et = std::move(et)](Db& db) -> Result<core::EventType> {
      auto s = BindEventType(db.Prepare("UPDATE event_types SET id=?1, name=?2, description=?3,"
                                        " archived=?4, deprecated=?5, schemas=?6,"
                                        " feature_flags=?7, group_name=?8, created_at=?9,"
                                        " updated_at=?10 WHERE id=?1"),
                             et).Run();
      if (!s) return std::unexpected(s.error());
      if (db.Changes() == 0) return core::NotFound("event type");
      return et;
    });
  }

  void DeleteEventType(std::string name, Done<void> done) override {
    Write<void>(std::nullopt, std::move(done), [name = std::move(name)](Db& db) -> Status {
      if (auto s = db.Prepare("DELETE FROM event_types WHERE name=?").Bind(1, name).Run(); !s)
        return s;
      if (db.Changes() == 0) return core::NotFound("event type");
      return {};
    });
  }

  // ---- Endpoints ----
  Result<core::Endpoint> GetEndpoint(std::string_view app_id, std::string_view ref) override {
    return ReadOne<core::Endpoint>(std::string("SELECT ") + kEndpointCols +
                                       " FROM endpoints WHERE app_id = ?1 AND (id = ?2 OR uid = ?2)",
                                   {std::string(app_id), std::string(ref)}, ReadEndpoint,
                                   "endpoint");
  }

  Result<Page<core::Endpoint>> ListEndpoints(std::string_view app_id,
                                             const PageRequest& page) override {
    return List<core::Endpoint>(std::string("SELECT ") + kEndpointCols + " FROM endpoints",
                                "app_id = ? AND ephemeral = 0", {std::string(app_id)}, "id", page,
                                ReadEndpoint,
                                [](const core::Endpoint& e) { return e.id; });
  }

  Result<std::vector<core::Endpoint>> ListSubscribedEndpoints(const core::Message& msg) override {
    auto db = reads_.Acquire();
    if (!db) return std::unexpected(db.error());
    auto s = (*db)->Prepare("SELECT " + Prefixed("e", kEndpointCols) +
                            " FROM endpoints e WHERE e.app_id = ?3 AND " + kSubscribes +
                            " ORDER BY e.id");
    s.Bind(3, msg.app_id).Bind(4, msg.event_type).Bind(5, EncodeList(msg.channels));
    std::vector<core::Endpoint> out;
    while (s.Step()) out.push_back(ReadEndpoint(s));
    if (s.error()) return std::unexpected(*s.error());
    return out;
  }

  void CreateEndpoint(core::Endpoint ep, Idempotency idem, Done<core::Endpoint> done) override {
    Write<core::Endpoint>(std::move(idem), std::move(done),
                          [ep = std::move(ep)](Db& db) -> Result<core::Endpoint> {
      auto s = BindEndpoint(db.Prepare(kInsertEndpoint), ep).Run();
      if (!s) return Conflict(s.error(), "an endpoint with this uid already exists");
      return ep;
    });
  }

  void UpdateEndpoint(core::Endpoint ep, Idempotency idem, Done<core::Endpoint> done) override {
    Write<core::Endpoint>(std::move(idem), std::move(done),
                          [ep = std::move(ep)](Db& db) -> Result<core::Endpoint> {
      auto s = BindEndpoint(db.Prepare("UPDATE endpoints SET uid=?3, url=?4, description=?5,"
                                       " disabled=?6, event_types=?7, channels=?8,"
                                       " throttle_rate=?9, version=?10, metadata=?11,"
                                       " headers=?12, secrets=?13, created_at=?14,"
                                       " updated_at=?15, retry_schedule=?16, options=?17,"
                                       " ephemeral=?18 WHERE id=?1 AND app_id=?2"),
                            ep).Run();
      if (!s) return Conflict(s.error(), "an endpoint with this uid already exists");
      if (db.Changes() == 0) return core::NotFound("endpoint");
      return ep;
    });
  }

  void DeleteEndpoint(std::string app_id, std::string id, Done<void> done) override {
    Write<void>(std::nullopt, std::move(done),
                [app_id = std::move(app_id), id = std::move(id)](Db& db) -> Status {
      auto s = db.Prepare("DELETE FROM endpoints WHERE app_id=? AND id=?")
                   .Bind(1, app_id).Bind(2, id).Run();
      if (!s) return s;
      if (db.Changes() == 0) return core::NotFound("endpoint");
      return {};
    });
  }

  // ---- Messages ----
  Result<core::Message> GetMessage(std::string_view app_id, std::string_view ref) override {
    return ReadOne<core::Message>(
        std::string("SELECT ") + kMessageCols +
            " FROM messages WHERE app_id = ?1 AND (id = ?2 OR event_id = ?2)",
        {std::string(app_id), std::string(ref)}, ReadMessage, "message");
  }

  Result<Page<core::Message>> ListMessages(std::string_view app_id, const MessageFilter& filter,
                                           const PageRequest& page) override {
    std::string where = "app_id = ?";
    std::vector<Param> params{std::string(app_id)};
    AddMessageFilters(filter.event_types, filter.channel, "messages", where, params);
    if (filter.tag) {
      where += " AND EXISTS (SELECT 1 FROM json_each(messages.tags) WHERE value = ?)";
      params.emplace_back(*filter.tag);
    }
    AddTimeRange("created_at", filter.before, filter.after, where, params);
    return List<core::Message>(std::string("SELECT ") + kMessageCols + " FROM messages", where,
                               params, "id", page, ReadMessage,
                               [](const core::Message& m) { return m.id; });
  }

  void CreateMessage(core::Message msg, Idempotency idem, MessageRouting routing,
                     Done<core::Message> done) override {
    auto due = std::make_shared<std::vector<core::DueDelivery>>();
    Write<core::Message>(
        std::move(idem), std::move(done),
        [msg = std::move(msg), due, routing = std::move(routing)](Db& db) -> Result<core::Message> {
          due->clear();
          auto channels = EncodeList(msg.channels);
          auto s = db.Prepare("INSERT INTO messages(id, app_id, event_id, event_type, payload,"
                              " channels, tags, created_at, test_routes)"
                              " VALUES (?,?,?,?,?,?,?,?,?)")
                       .Bind(1, msg.id).Bind(2, msg.app_id).Bind(3, msg.event_id)
                       .Bind(4, msg.event_type).Bind(5, msg.payload).Bind(6, channels)
                       .Bind(7, EncodeList(msg.tags)).Bind(8, ToMicros(msg.created_at))
                       .Bind(9, msg.test_routes).Run();
          if (!s) return Conflict(s.error(), "a message with this eventId already exists");
          if (routing.callback) {
            auto cb = BindEndpoint(db.Prepare(kInsertEndpoint), *routing.callback).Run();
            if (!cb) return std::unexpected(cb.error());
          }
          auto fan = db.Prepare(FanOutSql(routing));
          fan.Bind(1, msg.id).Bind(2, ToMicros(msg.created_at)).Bind(3, msg.app_id)
              .Bind(4, msg.event_type).Bind(5, channels);
          if (routing.only_endpoint) fan.Bind(6, *routing.only_endpoint);
          fan.Bind(7, routing.callback ? routing.callback->id : std::string());
          std::shared_ptr<const core::Message> shared;
          while (fan.Step()) {
            // Small payloads ride along (bounded memory: the window holds at most so many).
            if (!shared && msg.payload.size() <= kHintPayloadLimit)
              shared = std::make_shared<const core::Message>(msg);
            due->push_back({msg.app_id, msg.id, fan.Text(0), 0, core::AttemptTrigger::kScheduled,
                            msg.created_at, shared, nullptr, nullptr, {}});
          }
          if (fan.error()) return std::unexpected(*fan.error());
          return msg;
        },
        due);
  }

  void ExpungeMessageContent(std::string app_id, std::string id, Done<void> done) override {
    Write<void>(std::nullopt, std::move(done),
                [app_id = std::move(app_id), id = std::move(id)](Db& db) -> Status {
      auto s = db.Prepare("UPDATE messages SET payload='{\"expired\":true}' WHERE app_id=? AND id=?")
                   .Bind(1, app_id).Bind(2, id).Run();
      if (!s) return s;
      if (db.Changes() == 0) return core::NotFound("message");
      return {};
    });
  }

  // ---- Delivery state ----
  void SetDueListener(std::function<void()> wake) override { wake_ = std::move(wake); }

  void ClaimDue(ClaimRequest request, Done<ClaimBatch> done) override {
    auto task = [this, request = std::move(request), done]() { done(Claim(request)); };
    if (!claims_.Post(std::move(task))) {
      done(core::Fail(ErrorCode::kUnavailable, "the store is shutting down"));
    }
  }

  void RenewLeases(std::string node, core::TimePoint until, Done<int64_t> done) override {
    auto task = [this, node = std::move(node), until, done] { done(leases_->Renew(node, until)); };
    if (!claims_.Post(std::move(task))) {
      done(core::Fail(ErrorCode::kUnavailable, "the store is shutting down"));
    }
  }

  void ReleaseClaims(std::string node, std::vector<core::DeliveryKey> keys,
                     Done<void> done) override {
    for (const auto& k : keys) leases_->Release(KeyOf(k.msg_id, k.endpoint_id), node);
    auto task = [done] { done({}); };
    if (!claims_.Post(task)) task();
  }

  void RecordOutcome(std::optional<core::Attempt> attempt, core::DeliveryUpdate update,
                     Done<void> done) override {
    auto key = KeyOf(update.msg_id, update.endpoint_id);
    // The claim ends once the outcome is durable (not before: a sweep would find the delivery
    // still due and claim it again).
    Done<void> end_claim = [this, key, keep = update.keep_claim, done = std::move(done)](Status s) {
      if (s && !keep) leases_->End(key);
      done(std::move(s));
    };
    Write<void>(std::nullopt, std::move(end_claim),
                [attempt = std::move(attempt), u = std::move(update), key, this](Db& db) -> Status {
      if (leases_->HeldByOther(key, u.node)) {
        outcomes_refused_.fetch_add(1, std::memory_order_relaxed);
        return core::Fail(ErrorCode::kLeaseLost, "another node holds the delivery");
      }
      auto now = ToMicros(clock_.Now());
      // A manual resend requested while a scheduled attempt was in flight stays pending.
      static const std::string kSql = WithStates(
          "UPDATE deliveries SET status=?1, attempts=?2,"
          " next_attempt_at=CASE WHEN next_trigger={manual} AND ?7={scheduled}"
          "   THEN next_attempt_at ELSE ?3 END,"
          " next_trigger=CASE WHEN next_trigger={manual} AND ?7={scheduled}"
          "   THEN {manual} ELSE {scheduled} END,"
          " updated_at=?4 WHERE msg_id=?5 AND endpoint_id=?6 AND status != {canceled}");
      auto s = db.Prepare(kSql)
                   .Bind(1, static_cast<int>(u.status)).Bind(2, u.attempts)
                   .Bind(3, u.next_attempt_at ? std::optional<int64_t>(ToMicros(*u.next_attempt_at))
                                              : std::nullopt)
                   .Bind(4, now).Bind(5, u.msg_id).Bind(6, u.endpoint_id)
                   .Bind(7, static_cast<int>(u.trigger)).Run();
      if (!s) return s;
      if (db.Changes() == 0) {  // killed (the attempt still happened) or deleted meanwhile
        auto exists = db.Prepare("SELECT 1 FROM deliveries WHERE msg_id=? AND endpoint_id=?");
        exists.Bind(1, u.msg_id).Bind(2, u.endpoint_id);
        if (!exists.Step()) return {};
      }
      if (attempt) {
        const auto& a = *attempt;
        s = db.Prepare("INSERT INTO attempts(id, app_id, msg_id, endpoint_id, url,"
                       " response_status, response, duration_ms, error, error_detail,"
                       " trigger_type, status, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")
                .Bind(1, a.id).Bind(2, a.app_id).Bind(3, a.msg_id).Bind(4, a.endpoint_id)
                .Bind(5, a.url).Bind(6, a.response_status).Bind(7, a.response)
                .Bind(8, a.duration_ms).Bind(9, a.error).Bind(10, a.error_detail)
                .Bind(11, static_cast<int>(a.trigger)).Bind(12, static_cast<int>(a.status))
                .Bind(13, ToMicros(a.created_at)).Run();
        if (!s) return s;
      }
      if (u.disable_endpoint) {
        s = db.Prepare("UPDATE endpoints SET disabled=1, updated_at=? WHERE id=?")
                .Bind(1, now).Bind(2, u.endpoint_id).Run();
      }
      return s;
    });
  }

  void ResendDelivery(std::string app_id, std::string msg_id, std::string endpoint_id,
                      core::TimePoint now, Done<void> done) override {
    auto due = std::make_shared<std::vector<core::DueDelivery>>();
    Write<void>(
        std::nullopt, std::move(done),
        [app_id = std::move(app_id), msg_id = std::move(msg_id),
         endpoint_id = std::move(endpoint_id), now, due](Db& db) -> Status {
          due->clear();
          static const std::string kSql = WithStates(
              "INSERT INTO deliveries(msg_id, endpoint_id, app_id, status, attempts,"
              " next_attempt_at, next_trigger, created_at, updated_at)"
              " VALUES (?1, ?2, ?3, {pending}, 0, ?4, {manual}, ?4, ?4)"
              " ON CONFLICT(msg_id, endpoint_id) DO UPDATE SET next_attempt_at=?4,"
              " next_trigger={manual}, updated_at=?4,"
              " status=CASE WHEN status={sending} THEN {sending} ELSE {pending} END"
              " RETURNING attempts");
          auto s = db.Prepare(kSql);
          s.Bind(1, msg_id).Bind(2, endpoint_id).Bind(3, app_id).Bind(4, ToMicros(now));
          if (!s.Step()) return std::unexpected(s.error().value_or(core::Error{}));
          due->push_back({app_id, msg_id, endpoint_id, static_cast<int>(s.Int(0)),
                          core::AttemptTrigger::kManual, now});
          return {};
        },
        due);
  }

  void RecoverDeliveries(std::string endpoint_id, core::TimePoint since,
                         std::optional<core::TimePoint> until, core::TimePoint now,
                         Done<int64_t> done) override {
    Write<int64_t>(std::nullopt, std::move(done),
                   [endpoint_id = std::move(endpoint_id), since, until,
                    now](Db& db) -> Result<int64_t> {
      static const std::string kSql = WithStates(
          "UPDATE deliveries SET status={pending}, attempts=0, next_attempt_at=?1,"
          " next_trigger={manual}, updated_at=?1 WHERE endpoint_id=?2 AND status={fail}"
          " AND created_at >= ?3 AND created_at < ?4");
      auto s = db.Prepare(kSql)
                   .Bind(1, ToMicros(now)).Bind(2, endpoint_id).Bind(3, ToMicros(since))
                   .Bind(4, until ? ToMicros(*until) : INT64_MAX).Run();
      if (!s) return std::unexpected(s.error());
      return db.Changes();
    });
  }

  void KillDeliveries(std::string msg_id, core::TimePoint now, Done<KillResult> done) override {
    // Killed deliveries are claimed (so no sweep claims them meanwhile) until the kill commits;
    // then their claims end for good.
    auto held = std::make_shared<std::vector<std::string>>();
    Done<KillResult> finish = [this, held, done = std::move(done)](Result<KillResult> r) {
      for (const auto& key : *held) {
        if (r) leases_->End(key);
        else leases_->Release(key, kKillNode);
      }
      done(std::move(r));
    };
    Write<KillResult>(std::nullopt, std::move(finish),
                      [msg_id = std::move(msg_id), now, held, this](Db& db) -> Result<KillResult> {
      for (const auto& key : *held) leases_->Release(key, kKillNode);
      held->clear();
      KillResult out;
      auto rows = db.Prepare("SELECT endpoint_id, next_attempt_at IS NOT NULL FROM deliveries"
                             " WHERE msg_id = ? ORDER BY endpoint_id");
      rows.Bind(1, msg_id);
      std::vector<std::pair<std::string, bool>> all;
      while (rows.Step()) all.emplace_back(rows.Text(0), rows.Int(1) != 0);
      if (rows.error()) return std::unexpected(*rows.error());
      // The writer's own reads are never stale.
      auto seq = std::numeric_limits<uint64_t>::max();
      for (auto& [endpoint, pending] : all) {
        auto key = KeyOf(msg_id, endpoint);
        if (!pending || !leases_->TryClaim(key, kKillNode, seq, now, now + std::chrono::minutes(1))) {
          out.not_killed.push_back(endpoint);
          continue;
        }
        held->push_back(key);
        auto s = db.Prepare("UPDATE deliveries SET status=?, next_attempt_at=NULL, updated_at=?"
                            " WHERE msg_id=? AND endpoint_id=?")
                     .Bind(1, static_cast<int>(core::DeliveryStatus::kCanceled))
                     .Bind(2, ToMicros(now)).Bind(3, msg_id).Bind(4, endpoint).Run();
        if (!s) return std::unexpected(s.error());
        out.killed.push_back(endpoint);
      }
      return out;
    });
  }

  Result<Page<core::Attempt>> ListAttempts(std::string_view app_id, const AttemptFilter& filter,
                                           const PageRequest& page) override {
    std::string where = "a.app_id = ?";
    std::vector<Param> params{std::string(app_id)};
    if (filter.msg_id) {
      where += " AND a.msg_id = ?";
      params.emplace_back(*filter.msg_id);
    }
    if (filter.endpoint_id) {
      where += " AND a.endpoint_id = ?";
      params.emplace_back(*filter.endpoint_id);
    }
    if (filter.status) {
      where += " AND a.status = ?";
      params.emplace_back(int64_t{static_cast<int>(*filter.status)});
    }
    if (filter.status_code_class) {
      where += *filter.status_code_class == 0 ? " AND a.response_status = 0"
                                              : " AND a.response_status / 100 = ?";
      if (*filter.status_code_class != 0) params.emplace_back(int64_t{*filter.status_code_class / 100});
    }
    AddMessageFilters(filter.event_types, filter.channel, "m", where, params);
    AddTimeRange("a.created_at", filter.before, filter.after, where, params);
    return List<core::Attempt>(std::string("SELECT ") + kAttemptCols +
                                   " FROM attempts a JOIN messages m ON m.id = a.msg_id",
                               where, params, "a.id", page, ReadAttempt,
                               [](const core::Attempt& a) { return a.id; });
  }

  Result<core::Attempt> GetAttempt(std::string_view app_id, std::string_view msg_id,
                                   std::string_view attempt_id) override {
    return ReadOne<core::Attempt>(std::string("SELECT ") + kAttemptCols +
                                      " FROM attempts a WHERE a.app_id = ?1 AND a.msg_id = ?2"
                                      " AND a.id = ?3",
                                  {std::string(app_id), std::string(msg_id),
                                   std::string(attempt_id)},
                                  ReadAttempt, "attempt");
  }

  Result<Page<DeliveryView>> ListMessageDestinations(std::string_view app_id,
                                                     std::string_view msg_id,
                                                     const PageRequest& page) override {
    return List<DeliveryView>(
        "SELECT d.status, d.next_attempt_at, " + Prefixed("e", kEndpointCols) +
            " FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id",
        "d.app_id = ? AND d.msg_id = ?", {std::string(app_id), std::string(msg_id)},
        "d.endpoint_id", page,
        [](Stmt& s) {
          return ReadDeliveryView(s, [](DeliveryView& v, Stmt& st) {
            v.endpoint = ReadEndpointAt(st, 2);
          });
        },
        [](const DeliveryView& v) { return v.endpoint.id; });
  }

  Result<Page<DeliveryView>> ListEndpointMessages(std::string_view app_id,
                                                  std::string_view endpoint_id,
                                                  const AttemptFilter& filter,
                                                  const PageRequest& page) override {
    std::string where = "d.app_id = ? AND d.endpoint_id = ?";
    std::vector<Param> params{std::string(app_id), std::string(endpoint_id)};
    if (filter.status) {
      where += " AND d.status = ?";
      params.emplace_back(int64_t{static_cast<int>(*filter.status)});
    }
    AddMessageFilters(filter.event_types, filter.channel, "m", where, params);
    AddTimeRange("m.created_at", filter.before, filter.after, where, params);
    return List<DeliveryView>(
        "SELECT d.status, d.next_attempt_at, " + Prefixed("m", kMessageCols) +
            " FROM deliveries d JOIN messages m ON m.id = d.msg_id",
        where, params, "d.msg_id", page,
        [](Stmt& s) {
          return ReadDeliveryView(s, [](DeliveryView& v, Stmt& st) {
            v.message = ReadMessageAt(st, 2);
          });
        },
        [](const DeliveryView& v) { return v.message.id; });
  }

  Result<DeliveryStats> GetEndpointStats(std::string_view app_id, std::string_view endpoint_id,
                                         std::optional<core::TimePoint> since,
                                         std::optional<core::TimePoint> until) override {
    auto db = reads_.Acquire();
    if (!db) return std::unexpected(db.error());
    auto s = (*db)->Prepare("SELECT status, COUNT(*) FROM deliveries WHERE app_id = ?"
                            " AND endpoint_id = ? AND created_at >= ? AND created_at < ?"
                            " GROUP BY status");
    s.Bind(1, app_id).Bind(2, endpoint_id).Bind(3, since ? ToMicros(*since) : INT64_MIN)
        .Bind(4, until ? ToMicros(*until) : INT64_MAX);
    DeliveryStats stats;
    while (s.Step()) {
      int64_t n = s.Int(1);
      switch (static_cast<core::DeliveryStatus>(s.Int(0))) {
        case core::DeliveryStatus::kSuccess: stats.success = n; break;
        case core::DeliveryStatus::kPending: stats.pending = n; break;
        case core::DeliveryStatus::kSending: stats.sending = n; break;
        case core::DeliveryStatus::kFail: stats.fail = n; break;
        case core::DeliveryStatus::kCanceled: stats.canceled = n; break;
      }
    }
    if (s.error()) return std::unexpected(*s.error());
    return stats;
  }

  // ---- Tokens and idempotency ----
  Result<core::Token> FindTokenByHash(std::string_view hash) override {
    return ReadOne<core::Token>(
        "SELECT id, hash, app_id, name, created_at FROM tokens WHERE hash = ?1",
        {std::string(hash)},
        [](Stmt& s) {
          return core::Token{s.Text(0), s.Text(1), s.OptText(2), s.Text(3), FromMicros(s.Int(4))};
        },
        "token");
  }

  Result<int64_t> CountTokens() override {
    auto db = reads_.Acquire();
    if (!db) return std::unexpected(db.error());
    auto s = (*db)->Prepare("SELECT COUNT(*) FROM tokens");
    if (!s.Step()) return Internal(s);
    return s.Int(0);
  }

  void CreateToken(core::Token token, Done<core::Token> done) override {
    Write<core::Token>(std::nullopt, std::move(done),
                       [token = std::move(token)](Db& db) -> Result<core::Token> {
      auto s = db.Prepare("INSERT INTO tokens(id, hash, app_id, name, created_at)"
                          " VALUES (?,?,?,?,?)")
                   .Bind(1, token.id).Bind(2, token.hash).Bind(3, token.app_id)
                   .Bind(4, token.name).Bind(5, ToMicros(token.created_at)).Run();
      if (!s) return std::unexpected(s.error());
      return token;
    });
  }

  Result<std::optional<core::IdempotencyRecord>> GetIdempotency(std::string_view scope,
                                                                std::string_view key) override {
    auto db = reads_.Acquire();
    if (!db) return std::unexpected(db.error());
    auto s = (*db)->Prepare("SELECT fingerprint, status, body, expires_at FROM idempotency"
                            " WHERE scope = ? AND key = ? AND expires_at > ?");
    s.Bind(1, scope).Bind(2, key).Bind(3, ToMicros(clock_.Now()));
    if (!s.Step()) {
      if (s.error()) return std::unexpected(*s.error());
      return std::optional<core::IdempotencyRecord>();
    }
    return core::IdempotencyRecord{std::string(scope), std::string(key), s.Text(0),
                                   static_cast<int>(s.Int(1)), s.Text(2),
                                   FromMicros(s.Int(3))};
  }

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
    s.Bind(1, et.id).Bind(2, et.name).Bind(3, et.description).Bind(4, et.archived)
        .Bind(5, et.deprecated).Bind(6, et.schemas).Bind(7, EncodeList(et.feature_flags))
        .Bind(8, et.group_name).Bind(9, ToMicros(et.created_at)).Bind(10, ToMicros(et.updated_at));
    return s;
  }
  template <class S>
  static S& BindEndpoint(S&& s, const core::Endpoint& e) {
    s.Bind(1, e.id).Bind(2, e.app_id).Bind(3, e.uid).Bind(4, e.url).Bind(5, e.description)
        .Bind(6, e.disabled).Bind(7, EncodeList(e.event_types)).Bind(8, EncodeList(e.channels))
        .Bind(9, e.throttle_rate).Bind(10, e.version).Bind(11, EncodeMap(e.metadata))
        .Bind(12, EncodeMap(e.headers)).Bind(13, EncodeSecrets(e.secrets))
        .Bind(14, ToMicros(e.created_at)).Bind(15, ToMicros(e.updated_at))
        .Bind(16, EncodeInts(e.retry_schedule)).Bind(17, EncodeOptions(e.options))
        .Bind(18, e.ephemeral);
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

  // Keyset pagination over `key` (unique). See PageRequest.
  template <class T, class Reader, class KeyOf>
  Result<Page<T>> List(const std::string& select, const std::string& where,
                       std::vector<Param> params, const std::string& key,
                       const PageRequest& page, Reader read, KeyOf key_of) {
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
    while (s.Step()) rows.push_back(read(s));
    if (s.error()) return std::unexpected(*s.error());
    return FinishPage(std::move(rows), page, key_of);
  }

  // Queues `fn` on the writer; records `idem` in the same savepoint.
  // `due`, when given, is filled by `fn` with deliveries it made due; after commit they are kept
  // for the next claim and the due listener is woken.
  template <class T, class Fn>
  void Write(Idempotency idem, Done<T> done, Fn fn,
             std::shared_ptr<std::vector<core::DueDelivery>> due = nullptr) {
    auto result = std::make_shared<Result<T>>(core::Fail(ErrorCode::kInternal, "not applied"));
    const core::Clock& clock = clock_;
    WriteTask task{
        [result, idem = std::move(idem), fn = std::move(fn), &clock](Db& db) {
          if (idem && !RecordIdempotency(db, *idem, clock)) {
            *result = core::Fail(ErrorCode::kIdempotencyTaken, "idempotency key already used");
            return false;
          }
          *result = fn(db);
          return result->has_value();
        },
        [this, result, done, due](bool committed) {
          if (committed && result->has_value() && due && !due->empty()) AddFresh(std::move(*due));
          if (!committed && result->has_value()) {
            done(core::Fail(ErrorCode::kUnavailable, "the store could not commit the write"));
          } else {
            done(std::move(*result));
          }
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
    (void)db.Prepare("DELETE FROM idempotency WHERE (scope, key) IN (SELECT scope, key FROM"
                     " idempotency WHERE expires_at <= ? ORDER BY expires_at LIMIT 10000)")
        .Bind(1, ToMicros(clock_.Now()))
        .Run();
  }

  // False if an unexpired record holds the key. Expired records are replaced.
  static bool RecordIdempotency(Db& db, const core::IdempotencyRecord& r,
                                const core::Clock& clock) {
    (void)db.Prepare("DELETE FROM idempotency WHERE scope=? AND key=? AND expires_at <= ?")
        .Bind(1, r.scope).Bind(2, r.key).Bind(3, ToMicros(clock.Now())).Run();
    return db.Prepare("INSERT INTO idempotency(scope, key, fingerprint, status, body, expires_at)"
                      " VALUES (?,?,?,?,?,?)")
        .Bind(1, r.scope).Bind(2, r.key).Bind(3, r.fingerprint).Bind(4, r.status)
        .Bind(5, r.body).Bind(6, ToMicros(r.expires_at)).Run()
        .has_value();
  }

  void AddFresh(std::vector<core::DueDelivery> due) {
    {
      std::lock_guard lock(fresh_mu_);
      auto now = std::chrono::steady_clock::now();
      auto seq = leases_->Seq();  // their commit is visible
      for (auto& d : due) {
        if (fresh_.size() >= kFreshLimit) break;
        fresh_.push_back({now, seq, std::move(d)});
      }
    }
    if (wake_) wake_();
  }

  // Where a claim batch stands: per-endpoint and per-app counts and room, and the endpoint and
  // app snapshots read for it.
  struct ClaimContext {
    const ClaimRequest& req;
    ClaimBatch out;
    std::unordered_map<std::string, std::shared_ptr<const core::Endpoint>> endpoints;
    std::unordered_map<std::string, std::shared_ptr<const core::StringMap>> envs;
    std::unordered_map<std::string, size_t> per_endpoint, per_app;
    bool full() const { return out.claimed.size() >= req.limit; }
  };

  Result<ClaimBatch> Claim(const ClaimRequest& req) {
    ClaimContext ctx{req, {}, {}, {}, {}, {}};
    std::deque<Fresh> fresh;
    {
      std::lock_guard lock(fresh_mu_);
      fresh.swap(fresh_);
    }
    // Fresh deliveries without room now, or kept too long to trust, are left to sweeps (they
    // are due in the database).
    auto stale = std::chrono::steady_clock::now() - kFreshLife;
    while (!fresh.empty() && !ctx.full()) {
      auto& f = fresh.front();
      if (f.added > stale) TryClaim(ctx, std::move(f.due), f.seq);
      fresh.pop_front();
    }
    if (!fresh.empty()) {
      std::lock_guard lock(fresh_mu_);
      fresh_.insert(fresh_.begin(), std::make_move_iterator(fresh.begin()),
                    std::make_move_iterator(fresh.end()));
    }
    if (ctx.full() || !req.sweep) {
      ctx.out.next = req.after;  // the sweep did not move
      return std::move(ctx.out);
    }
    auto db = reads_.Acquire();
    if (!db) return std::unexpected(db.error());
    auto seq = leases_->Seq();
    auto s = (*db)->Prepare(DueSql(req.after.has_value()));
    // Rows held by other claims are passed over; read past a few of them.
    auto scan = static_cast<int64_t>(req.limit) * 4;
    s.Bind(1, ToMicros(req.now)).Bind(5, scan);
    if (req.after) {
      s.Bind(2, ToMicros(req.after->due)).Bind(3, req.after->msg_id).Bind(4, req.after->endpoint_id);
    }
    int64_t rows = 0;
    std::optional<DueCursor> last;
    while (!ctx.full() && s.Step()) {
      ++rows;
      core::DueDelivery d{s.Text(0), s.Text(1), s.Text(2), static_cast<int>(s.Int(3)),
                          static_cast<core::AttemptTrigger>(s.Int(4)), FromMicros(s.Int(5))};
      if (s.Int(6) != 0) d.message = std::make_shared<const core::Message>(ReadMessageAt(s, 7));
      last = DueCursor{d.due, d.msg_id, d.endpoint_id};
      TryClaim(ctx, std::move(d), seq);
    }
    if (s.error()) return std::unexpected(*s.error());
    if (rows == scan || ctx.full()) ctx.out.next = std::move(last);
    return std::move(ctx.out);
  }

  // Claims `d` into the batch if its endpoint and app have room and no other node holds it;
  // fills in what sending it needs. Deliveries whose endpoint or message is gone are skipped.
  void TryClaim(ClaimContext& ctx, core::DueDelivery d, uint64_t read_seq) {
    const auto& req = ctx.req;
    auto& endpoint = ctx.endpoints[d.endpoint_id];
    if (!endpoint) {
      auto loaded = GetEndpoint(d.app_id, d.endpoint_id);
      if (!loaded) return;
      endpoint = std::make_shared<const core::Endpoint>(std::move(*loaded));
    }
    auto room = [](const std::unordered_map<std::string, size_t>& given, const std::string& id,
                   size_t otherwise) {
      auto it = given.find(id);
      return it == given.end() ? otherwise : it->second;
    };
    size_t& ep_taken = ctx.per_endpoint[d.endpoint_id];
    size_t& app_taken = ctx.per_app[d.app_id];
    if (ep_taken >= room(req.endpoint_room, d.endpoint_id,
                         endpoint->throttle_rate ? 1 : req.per_endpoint) ||
        app_taken >= room(req.app_room, d.app_id, req.per_app))
      return;
    auto key = KeyOf(d.msg_id, d.endpoint_id);
    if (!leases_->TryClaim(key, req.node, read_seq, req.now, req.lease_until)) return;
    if (!d.message) {
      auto loaded = GetMessage(d.app_id, d.msg_id);
      if (!loaded) return leases_->Release(key, req.node);
      d.message = std::make_shared<const core::Message>(std::move(*loaded));
    }
    auto& env = ctx.envs[d.app_id];
    if (!env) {
      auto app = GetApp(d.app_id);
      env = std::make_shared<const core::StringMap>(app ? app->env : core::StringMap{});
    }
    d.endpoint = endpoint;
    d.app_env = env;
    d.lease_until = req.lease_until;
    ++ep_taken;
    ++app_taken;
    ctx.out.claimed.push_back(std::move(d));
  }

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
    core::DueDelivery due;
  };
  std::deque<Fresh> fresh_;
  std::atomic<uint64_t> outcomes_refused_{0};
  GroupCommitter writer_;
  TaskThread claims_{"hookd-claims"};
  bool started_ = false;
};

}  // namespace

std::unique_ptr<Store> MakeSqliteStore(SqliteOptions options, const core::Clock& clock) {
  return std::make_unique<SqliteStore>(std::move(options), clock);
}

}  // namespace hookd::store::sqlite
