// Delivery state in SQLite: claims (leases in memory, see lease_table.h), outcomes, manual
// control and the attempt history.
#include <limits>

#include "core/ids.h"
#include "core/ops_events.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "store/state_sql.h"

namespace hookd::store::sqlite {
namespace {

// The due-order sweep of claims, built once per shape: from the start or resuming after the
// cursor (?2 due, ?3 msg, ?4 endpoint). Small messages come along (one query instead of a read
// per delivery).
const std::string& DueSql(bool resume) {
  static const auto make = [](bool res) {
    std::string sql =
        "SELECT d.app_id, d.msg_id, d.endpoint_id, d.attempts, d.next_trigger, d.next_attempt_at,"
        " length(m.payload) <= " +
        std::to_string(kHintPayloadLimit) + ", " + Prefixed("m", kMessageCols) +
        " FROM deliveries d JOIN messages m ON m.id = d.msg_id"
        " WHERE d.next_attempt_at IS NOT NULL AND d.next_attempt_at <= ?1";
    // The first term bounds the index range; the second resumes within ties.
    if (res) {
      sql +=
          " AND d.next_attempt_at >= ?2 AND (d.next_attempt_at > ?2 OR"
          " (d.msg_id, d.endpoint_id) > (?3, ?4))";
    }
    return sql + " ORDER BY d.next_attempt_at, d.msg_id, d.endpoint_id LIMIT ?5";
  };
  static const std::string kSql[2] = {make(false), make(true)};
  return kSql[resume];
}

}  // namespace

void SqliteStore::SetDueListener(std::function<void()> wake) { wake_ = std::move(wake); }

void SqliteStore::ClaimDue(ClaimRequest request, Done<ClaimBatch> done) {
  auto task = [this, request = std::move(request), done]() { done(Claim(request)); };
  if (!claims_.Post(std::move(task))) {
    done(core::Fail(ErrorCode::kUnavailable, "the store is shutting down"));
  }
}

void SqliteStore::RenewLeases(std::string node, core::TimePoint now, core::TimePoint until,
                              Done<LeaseRenewal> done) {
  auto task = [this, node = std::move(node), now, until, done] {
    auto [held, live] = leases_->Renew(node, now, until);
    done(LeaseRenewal{held, live});
  };
  if (!claims_.Post(std::move(task))) {
    done(core::Fail(ErrorCode::kUnavailable, "the store is shutting down"));
  }
}

void SqliteStore::ReleaseClaims(std::string node, std::vector<core::DeliveryKey> keys,
                                Done<void> done) {
  for (const auto& k : keys) leases_->Release(KeyOf(k.msg_id, k.endpoint_id), node);
  auto task = [done] { done({}); };
  if (!claims_.Post(task)) task();
}

void SqliteStore::RecordOutcome(std::optional<core::Attempt> attempt, core::DeliveryUpdate update,
                                Done<void> done) {
  auto key = KeyOf(update.msg_id, update.endpoint_id);
  // The claim ends once the outcome is durable (not before: a sweep would find the delivery
  // still due and claim it again), or when it could not be recorded: the caller forgets the
  // delivery, and it is claimed and sent again (a claim kept would be renewed, unsent, forever).
  Done<void> end_claim = [this, key, keep = update.keep_claim, done = std::move(done)](Status s) {
    if (s ? !keep : s.error().code != ErrorCode::kLeaseLost) leases_->End(key);
    done(std::move(s));
  };
  auto due = std::make_shared<std::vector<core::DueDelivery>>();
  // The attempt counts once its outcome is recorded (also when the delivery was deleted
  // meanwhile: it was made).
  std::optional<StatsBatch::Row> counted;
  if (attempt) counted = StatsBatch::RowOf(*attempt, update.attempts == 1 && !update.keep_claim);
  Write<void>(
      std::nullopt, std::move(end_claim),
      [attempt = std::move(attempt), u = std::move(update), key, due, this](Db& db) -> Status {
        due->clear();
        if (leases_->HeldByOther(key, u.node)) {
          outcomes_refused_.fetch_add(1, std::memory_order_relaxed);
          return core::Fail(ErrorCode::kLeaseLost, "another node holds the delivery");
        }
        auto now = clock_.Now();
        // A manual resend requested while a scheduled attempt was in flight stays pending.
        static const std::string kSql = WithStates(
            "UPDATE deliveries SET status=?1, attempts=?2,"
            " next_attempt_at=CASE WHEN next_trigger={manual} AND ?7={scheduled} AND NOT ?8"
            "   THEN next_attempt_at ELSE ?3 END,"
            " next_trigger=CASE WHEN next_trigger={manual} AND ?7={scheduled}"
            "   THEN {manual} ELSE {scheduled} END,"
            " held=?8, last_status=COALESCE(?9, last_status), updated_at=?4"
            " WHERE msg_id=?5 AND endpoint_id=?6 AND status != {canceled}");
        auto s =
            db.Prepare(kSql)
                .Bind(1, static_cast<int>(u.status))
                .Bind(2, u.attempts)
                .Bind(3, ToMicros(u.next_attempt_at))
                .Bind(4, ToMicros(now))
                .Bind(5, u.msg_id)
                .Bind(6, u.endpoint_id)
                .Bind(7, static_cast<int>(u.trigger))
                .Bind(8, u.hold)
                .Bind(9, attempt ? std::optional<int64_t>(attempt->response_status) : std::nullopt)
                .Run();
        if (!s) return s;
        if (db.Changes() == 0) {  // killed (the attempt still happened) or deleted meanwhile
          auto exists = db.Prepare("SELECT 1 FROM deliveries WHERE msg_id=? AND endpoint_id=?");
          exists.Bind(1, u.msg_id).Bind(2, u.endpoint_id);
          if (!exists.Step()) return {};
        } else if (u.check_completion) {
          if (s = QueueCompletionCheck(db, u.msg_id); !s) return s;
        }
        if (attempt) {
          const auto& a = *attempt;
          s = db.Prepare(
                    "INSERT INTO attempts(id, app_id, msg_id, endpoint_id, url,"
                    " response_status, response, duration_ms, error, error_detail,"
                    " trigger_type, status, created_at, reply, reply_error)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
                  .Bind(1, a.id)
                  .Bind(2, a.app_id)
                  .Bind(3, a.msg_id)
                  .Bind(4, a.endpoint_id)
                  .Bind(5, a.url)
                  .Bind(6, a.response_status)
                  .Bind(7, a.response)
                  .Bind(8, a.duration_ms)
                  .Bind(9, a.error)
                  .Bind(10, a.error_detail)
                  .Bind(11, static_cast<int>(a.trigger))
                  .Bind(12, static_cast<int>(a.status))
                  .Bind(13, ToMicros(a.created_at))
                  .Bind(14, a.reply)
                  .Bind(15, a.reply_error)
                  .Run();
          if (!s) return s;
        }
        if (u.probe_ok) {
          if (s = Probed(db, u, now); !s) return s;
        } else if (u.accounting) {
          if (s = Account(db, u, now, *due); !s) return s;
        } else if (u.disable_endpoint) {
          s = db.Prepare("UPDATE endpoints SET disabled = 1, updated_at = ? WHERE id = ?")
                  .Bind(1, ToMicros(now))
                  .Bind(2, u.endpoint_id)
                  .Run();
          if (!s) return s;
        }
        return InsertOpsEvents(db, u.events, now, *due);
      },
      due, std::move(counted));
}

Status SqliteStore::Probed(Db& db, const core::DeliveryUpdate& u, core::TimePoint now) {
  auto at = ToMicros(now);
  if (!*u.probe_ok) {  // still failing: the next probe after twice the cool-down
    return db
        .Prepare(
            "UPDATE endpoint_health SET cooldown_secs = cooldown_secs * 2,"
            " probe_at = ?1 + cooldown_secs * 2 * 1000000 WHERE endpoint_id = ?2")
        .Bind(1, at)
        .Bind(2, u.endpoint_id)
        .Run();
  }
  auto s = db.Prepare("UPDATE endpoints SET disabled = 0, updated_at = ? WHERE id = ?")
               .Bind(1, at)
               .Bind(2, u.endpoint_id)
               .Run();
  if (!s) return s;
  s = db.Prepare("DELETE FROM endpoint_health WHERE endpoint_id = ?").Bind(1, u.endpoint_id).Run();
  if (!s) return s;
  return ReleaseHeld(db, u.endpoint_id, at);
}

void SqliteStore::StartProbes(core::TimePoint now, Done<int64_t> done) {
  static const std::string kAnyDue =
      "SELECT 1 FROM endpoint_health h JOIN endpoints e ON e.id = h.endpoint_id"
      " WHERE h.probe_at <= ? AND e.disabled LIMIT 1";
  if (NoRow(kAnyDue, {ToMicros(now)})) return done(int64_t{0});
  Write<int64_t>(std::nullopt, std::move(done), [now](Db& db) -> Result<int64_t> {
    static const std::string kProbe = WithStates(
        "UPDATE deliveries SET held = 0, next_attempt_at = ?1, next_trigger = {probe},"
        " updated_at = ?1 WHERE (msg_id, endpoint_id) IN (SELECT (SELECT d.msg_id FROM"
        " deliveries d WHERE d.endpoint_id = h.endpoint_id AND d.held = 1 AND"
        " d.status = {pending} ORDER BY d.msg_id LIMIT 1), h.endpoint_id FROM endpoint_health h"
        " JOIN endpoints e ON e.id = h.endpoint_id WHERE h.probe_at <= ?1 AND e.disabled)"
        " RETURNING endpoint_id");
    auto at = ToMicros(now);
    auto probe = db.Prepare(kProbe);
    probe.Bind(1, at);
    std::vector<std::string> started;
    while (probe.Step()) started.push_back(probe.Text(0));
    if (probe.error()) return std::unexpected(*probe.error());
    for (const auto& ep : started) {
      auto s = db.Prepare("UPDATE endpoint_health SET probe_at = NULL WHERE endpoint_id = ?")
                   .Bind(1, ep)
                   .Run();
      if (!s) return std::unexpected(s.error());
    }
    return static_cast<int64_t>(started.size());
  });
}

Status SqliteStore::Account(Db& db, const core::DeliveryUpdate& u, core::TimePoint now,
                            std::vector<core::DueDelivery>& due) {
  const auto& acc = *u.accounting;
  core::EndpointHealth health;
  auto read = db.Prepare(
      "SELECT consecutive_exhausted, failing_since, last_failure_at FROM endpoint_health"
      " WHERE endpoint_id = ?");
  read.Bind(1, u.endpoint_id);
  bool known = read.Step();
  if (read.error()) return std::unexpected(*read.error());
  if (known) {
    health.consecutive_exhausted = static_cast<int>(read.Int(0));
    health.failing_since = FromMicros(read.OptInt(1));
    health.last_failure_at = FromMicros(read.OptInt(2));
  }
  auto after = core::Account(health, acc.outcome, now);
  if (!known && acc.outcome == core::AttemptOutcome::kSucceeded) return {};  // nothing to record
  if (!known || after.consecutive_exhausted != health.consecutive_exhausted ||
      after.failing_since != health.failing_since ||
      after.last_failure_at != health.last_failure_at) {
    auto s = db.Prepare(
                   "INSERT INTO endpoint_health(endpoint_id, consecutive_exhausted, failing_since,"
                   " last_failure_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (endpoint_id) DO UPDATE"
                   " SET consecutive_exhausted = ?2, failing_since = ?3, last_failure_at = ?4")
                 .Bind(1, u.endpoint_id)
                 .Bind(2, after.consecutive_exhausted)
                 .Bind(3, ToMicros(after.failing_since))
                 .Bind(4, ToMicros(after.last_failure_at))
                 .Run();
    if (!s) return s;
  }
  if (!u.disable_endpoint && !core::ShouldDisable(after, acc.policy, now)) return {};
  auto s =
      db.Prepare("UPDATE endpoints SET disabled = 1, updated_at = ? WHERE id = ? AND NOT disabled")
          .Bind(1, ToMicros(now))
          .Bind(2, u.endpoint_id)
          .Run();
  if (!s || db.Changes() == 0) return s;
  if (auto cooldown = acc.policy.auto_recover_secs.value_or(0); cooldown > 0) {
    s = db.Prepare(
              "UPDATE endpoint_health SET cooldown_secs = ?, probe_at = ? WHERE endpoint_id = ?")
            .Bind(1, cooldown)
            .Bind(2, ToMicros(now + std::chrono::seconds(cooldown)))
            .Bind(3, u.endpoint_id)
            .Run();
    if (!s) return s;
  }
  if (acc.disabled_event_id.empty()) return s;
  auto event = core::EndpointDisabledEvent(acc.ref, after.failing_since.value_or(now), "automatic",
                                           acc.disabled_event_id);
  return InsertOpsEvents(db, {event}, now, due);
}

void SqliteStore::ResendDelivery(std::string app_id, std::string msg_id, std::string endpoint_id,
                                 core::TimePoint now, Done<void> done) {
  auto due = std::make_shared<std::vector<core::DueDelivery>>();
  Write<void>(
      std::nullopt, std::move(done),
      [app_id = std::move(app_id), msg_id = std::move(msg_id), endpoint_id = std::move(endpoint_id),
       now, due](Db& db) -> Status {
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

void SqliteStore::KillDeliveries(core::Message msg, std::optional<std::string> app_uid,
                                 core::TimePoint now, Done<KillResult> done) {
  // Killed deliveries are claimed (so no sweep claims them meanwhile) until the kill commits;
  // then their claims end for good.
  auto held = std::make_shared<std::vector<std::string>>();
  Done<KillResult> finish = [this, held, done = std::move(done)](Result<KillResult> r) {
    for (const auto& key : *held) {
      if (r)
        leases_->End(key);
      else
        leases_->Release(key, kKillNode);
    }
    done(std::move(r));
  };
  auto due = std::make_shared<std::vector<core::DueDelivery>>();
  Write<KillResult>(
      std::nullopt, std::move(finish),
      [msg = std::move(msg), app_uid = std::move(app_uid), now, held, due,
       this](Db& db) -> Result<KillResult> {
        const std::string& msg_id = msg.id;
        due->clear();
        for (const auto& key : *held) leases_->Release(key, kKillNode);
        held->clear();
        KillResult out;
        auto rows = db.Prepare(
            "SELECT endpoint_id, next_attempt_at IS NOT NULL OR held = 1 FROM deliveries"
            " WHERE msg_id = ? ORDER BY endpoint_id");
        rows.Bind(1, msg_id);
        std::vector<std::pair<std::string, bool>> all;
        while (rows.Step()) all.emplace_back(rows.Text(0), rows.Int(1) != 0);
        if (rows.error()) return std::unexpected(*rows.error());
        // The writer's own reads are never stale.
        auto seq = std::numeric_limits<uint64_t>::max();
        for (auto& [endpoint, pending] : all) {
          auto key = KeyOf(msg_id, endpoint);
          if (!pending ||
              !leases_->TryClaim(key, kKillNode, seq, now, now + std::chrono::minutes(1))) {
            out.not_killed.push_back(endpoint);
            continue;
          }
          held->push_back(key);
          auto s =
              db.Prepare(
                    "UPDATE deliveries SET status=?, next_attempt_at=NULL, held=0, updated_at=?"
                    " WHERE msg_id=? AND endpoint_id=?")
                  .Bind(1, static_cast<int>(core::DeliveryStatus::kCanceled))
                  .Bind(2, ToMicros(now))
                  .Bind(3, msg_id)
                  .Bind(4, endpoint)
                  .Run();
          if (!s) return std::unexpected(s.error());
          out.killed.push_back(endpoint);
        }
        if (!out.killed.empty() && msg.track_completion) {
          if (auto s = QueueCompletionCheck(db, msg_id); !s) return std::unexpected(s.error());
        }
        std::vector<core::OpsEvent> events;
        for (const auto* list : {&out.killed, &out.not_killed}) {
          for (const auto& ep : *list) {
            events.push_back(
                core::KillEvent(list == &out.killed, app_uid, msg, ep, core::NewId("msg", clock_)));
          }
        }
        if (auto s = InsertOpsEvents(db, events, now, *due); !s) return std::unexpected(s.error());
        return out;
      },
      due);
}

Result<Page<core::Attempt>> SqliteStore::ListAttempts(std::string_view app_id,
                                                      const AttemptFilter& filter,
                                                      const PageRequest& page) {
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
    if (*filter.status_code_class != 0)
      params.emplace_back(int64_t{*filter.status_code_class / 100});
  }
  if (filter.with_reply) where += " AND (a.reply IS NOT NULL OR a.reply_error <> '')";
  AddMessageFilters(filter.event_types, filter.channel, "m", where, params);
  AddTimeRange("a.created_at", filter.before, filter.after, where, params);
  return List<core::Attempt>(
      std::string("SELECT ") + kAttemptCols + " FROM attempts a JOIN messages m ON m.id = a.msg_id",
      where, params, "a.id", page, ReadAttempt, [](const core::Attempt& a) { return a.id; });
}

Result<core::Attempt> SqliteStore::GetAttempt(std::string_view app_id, std::string_view msg_id,
                                              std::string_view attempt_id) {
  return ReadOne<core::Attempt>(std::string("SELECT ") + kAttemptCols +
                                    " FROM attempts a WHERE a.app_id = ?1 AND a.msg_id = ?2"
                                    " AND a.id = ?3",
                                {std::string(app_id), std::string(msg_id), std::string(attempt_id)},
                                ReadAttempt, "attempt");
}

void SqliteStore::ExpungeAttemptContent(std::string app_id, std::string msg_id,
                                        std::string attempt_id, Done<void> done) {
  Write<void>(std::nullopt, std::move(done),
              [app_id = std::move(app_id), msg_id = std::move(msg_id),
               attempt_id = std::move(attempt_id)](Db& db) -> Status {
                auto s = db.Prepare(
                               "UPDATE attempts SET response = 'EXPUNGED', reply = NULL"
                               " WHERE app_id = ? AND msg_id = ? AND id = ?")
                             .Bind(1, app_id)
                             .Bind(2, msg_id)
                             .Bind(3, attempt_id)
                             .Run();
                if (!s) return s;
                if (db.Changes() == 0) return core::NotFound("attempt");
                return {};
              });
}

Result<Page<DeliveryView>> SqliteStore::ListMessageDestinations(std::string_view app_id,
                                                                std::string_view msg_id,
                                                                const PageRequest& page) {
  return List<DeliveryView>(
      "SELECT d.status, d.next_attempt_at, " + Prefixed("e", kEndpointCols) +
          " FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id",
      "d.app_id = ? AND d.msg_id = ?", {std::string(app_id), std::string(msg_id)}, "d.endpoint_id",
      page,
      [](Stmt& s) {
        return ReadDeliveryView(
            s, [](DeliveryView& v, Stmt& st) { v.endpoint = ReadEndpointAt(st, 2); });
      },
      [](const DeliveryView& v) { return v.endpoint.id; });
}

Result<Page<DeliveryView>> SqliteStore::ListEndpointMessages(std::string_view app_id,
                                                             std::string_view endpoint_id,
                                                             const AttemptFilter& filter,
                                                             const PageRequest& page) {
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
        return ReadDeliveryView(
            s, [](DeliveryView& v, Stmt& st) { v.message = ReadMessageAt(st, 2); });
      },
      [](const DeliveryView& v) { return v.message.id; });
}

Result<DeliveryStats> SqliteStore::GetEndpointStats(std::string_view app_id,
                                                    std::string_view endpoint_id,
                                                    std::optional<core::TimePoint> since,
                                                    std::optional<core::TimePoint> until) {
  auto db = reads_.Acquire();
  if (!db) return std::unexpected(db.error());
  auto s = (*db)->Prepare(
      "SELECT status, COUNT(*) FROM deliveries WHERE app_id = ?"
      " AND endpoint_id = ? AND created_at >= ? AND created_at < ?"
      " GROUP BY status");
  s.Bind(1, app_id)
      .Bind(2, endpoint_id)
      .Bind(3, since ? ToMicros(*since) : INT64_MIN)
      .Bind(4, until ? ToMicros(*until) : INT64_MAX);
  DeliveryStats stats;
  while (s.Step()) {
    stats.Add(static_cast<core::DeliveryStatus>(s.Int(0)), s.Int(1));
  }
  if (s.error()) return std::unexpected(*s.error());
  return stats;
}

Result<ClaimBatch> SqliteStore::Claim(const ClaimRequest& req) {
  claimed_config_.Refresh();
  ClaimContext ctx{req, {}, {}, {}, {}, {}};
  std::deque<Fresh> fresh;
  {
    std::lock_guard lock(fresh_mu_);
    fresh.swap(fresh_);
    fresh_bytes_ = 0;
  }
  // Fresh deliveries without room now, or kept too long to trust, are left to sweeps (they
  // are due in the database).
  auto stale = std::chrono::steady_clock::now() - kFreshLife;
  // Entries of one commit are adjacent and share their read: ended together.
  std::pair<uint64_t, size_t> ended{0, 0};
  while (!fresh.empty() && (!ctx.full() || fresh.front().added <= stale)) {
    auto& f = fresh.front();
    if (f.added > stale) TryClaim(ctx, std::move(f.due), f.seq);
    if (ended.second > 0 && ended.first != f.seq) {
      leases_->EndRead(ended.first, ended.second);
      ended.second = 0;
    }
    ended.first = f.seq;
    ++ended.second;
    fresh.pop_front();
  }
  if (ended.second > 0) leases_->EndRead(ended.first, ended.second);
  if (!fresh.empty()) {
    std::lock_guard lock(fresh_mu_);
    for (const auto& f : fresh) fresh_bytes_ += f.bytes;
    fresh_.insert(fresh_.begin(), std::make_move_iterator(fresh.begin()),
                  std::make_move_iterator(fresh.end()));
  }
  if (ctx.full() || !req.sweep) {
    ctx.out.next = req.after;  // the sweep did not move
    return std::move(ctx.out);
  }
  auto db = reads_.Acquire();
  if (!db) return std::unexpected(db.error());
  struct Read {  // the sweep's, in the lease table, however the sweep ends
    LeaseTable& leases;
    uint64_t seq = leases.BeginRead();
    ~Read() { leases.EndRead(seq); }
  } read{*leases_};
  uint64_t seq = read.seq;
  auto s = (*db)->Prepare(DueSql(req.after.has_value()));
  // Rows held by other claims are passed over; read past a few of them.
  auto scan = static_cast<int64_t>(req.limit) * 4;
  s.Bind(1, ToMicros(req.now)).Bind(5, scan);
  if (req.after) {
    s.Bind(2, ToMicros(req.after->due)).Bind(3, req.after->msg_id).Bind(4, req.after->endpoint_id);
  }
  int64_t rows = 0;
  std::optional<DueCursor> last;
  // Rows passed over for want of room, all of one endpoint, one after another: a backlog of
  // that endpoint, whose rest is likely more of the same. After `limit` of them the sweep stops
  // (and moves on past them) instead of reading its whole allowance.
  const auto run_limit = static_cast<int64_t>(req.limit);
  int64_t crowded_run = 0;
  while (!ctx.full() && crowded_run < run_limit && s.Step()) {
    ++rows;
    core::DueDelivery d{s.Text(0),
                        s.Text(1),
                        s.Text(2),
                        static_cast<int>(s.Int(3)),
                        static_cast<core::AttemptTrigger>(s.Int(4)),
                        FromMicros(s.Int(5))};
    if (s.Int(6) != 0) d.message = std::make_shared<const core::Message>(ReadMessageAt(s, 7));
    bool same_endpoint = last && last->endpoint_id == d.endpoint_id;
    last = DueCursor{d.due, d.msg_id, d.endpoint_id};
    bool crowded = TryClaim(ctx, std::move(d), seq);
    crowded_run = !crowded ? 0 : same_endpoint ? crowded_run + 1 : 1;
  }
  if (s.error()) return std::unexpected(*s.error());
  if (rows == scan || ctx.full() || crowded_run == run_limit) ctx.out.next = std::move(last);
  return std::move(ctx.out);
}

bool SqliteStore::TryClaim(ClaimContext& ctx, core::DueDelivery d, uint64_t read_seq) {
  const auto& req = ctx.req;
  size_t& ep_taken = ctx.per_endpoint[d.endpoint_id];
  size_t& app_taken = ctx.per_app[d.app_id];
  auto given_app = req.app_room.find(d.app_id);
  if (app_taken >= (given_app == req.app_room.end() ? req.per_app : given_app->second)) {
    ctx.out.crowded_apps.insert(d.app_id);
    return true;
  }
  auto given_ep = req.endpoint_room.find(d.endpoint_id);
  if (given_ep != req.endpoint_room.end() && ep_taken >= given_ep->second) {
    ctx.out.crowded_endpoints.insert(d.endpoint_id);
    return true;
  }
  auto& endpoint = ctx.endpoints[d.endpoint_id];
  if (!endpoint) endpoint = claimed_config_.Endpoint(d.app_id, d.endpoint_id);
  if (!endpoint) {
    auto loaded = GetEndpoint(d.app_id, d.endpoint_id);
    if (!loaded) return false;
    endpoint = std::make_shared<const core::Endpoint>(std::move(*loaded));
    claimed_config_.Keep(endpoint);
  }
  if (given_ep == req.endpoint_room.end() &&
      ep_taken >= (endpoint->throttle_rate ? 1 : req.per_endpoint)) {
    ctx.out.crowded_endpoints.insert(d.endpoint_id);
    return true;
  }
  auto key = KeyOf(d.msg_id, d.endpoint_id);
  if (!leases_->TryClaim(key, req.node, read_seq, req.now, req.lease_until)) return false;
  auto gone = [&] {  // its message or app was deleted meanwhile
    leases_->Release(key, req.node);
    return false;
  };
  if (!d.message) {
    auto loaded = GetMessage(d.app_id, d.msg_id);
    if (!loaded) return gone();
    d.message = std::make_shared<const core::Message>(std::move(*loaded));
  }
  auto& app = ctx.apps[d.app_id];
  if (!app) app = claimed_config_.App(d.app_id);
  if (!app) {
    auto loaded = GetApp(d.app_id);
    if (!loaded) return gone();
    app = std::make_shared<const core::App>(std::move(*loaded));
    claimed_config_.Keep(app);
  }
  d.endpoint = endpoint;
  d.app = app;
  d.lease_until = req.lease_until;
  ++ep_taken;
  ++app_taken;
  ctx.out.claimed.push_back(std::move(d));
  return false;
}

}  // namespace hookd::store::sqlite
