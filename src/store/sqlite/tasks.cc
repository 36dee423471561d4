// Background tasks in SQLite: leases in the row, one step per commit.
#include "core/ops_events.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "store/state_sql.h"

namespace hookd::store::sqlite {
namespace {

BackgroundTask ReadTask(Stmt& s) {
  BackgroundTask t;
  t.id = s.Text(0);
  t.app_id = s.Text(1);
  t.kind = ParseTaskKind(s.Text(2)).value_or(TaskKind::kBulkReplay);
  t.status = ParseTaskStatus(s.Text(3)).value_or(TaskStatus::kFailed);
  t.spec = DecodeTaskSpec(s.Text(4));
  t.cursor = s.OptText(5);
  t.sent = s.Int(6);
  t.created_at = FromMicros(s.Int(7));
  t.updated_at = FromMicros(s.Int(8));
  t.result = s.OptText(9);
  return t;
}

// A step's scan, over message ids (?1 low, ?2 after) of messages created in [?3, ?6), ?4 at
// most. replay-missing goes
// through the app's (?5) messages; bulk-replay and recover through the endpoint's (?5)
// deliveries that are neither held nor canceled, with the spec's filters appended.
std::string ScanSql(const BackgroundTask& t, std::vector<Param>& params) {
  const auto& spec = t.spec;
  if (t.kind == TaskKind::kReplayMissing) {
    params.emplace_back(t.app_id);
    params.emplace_back(RangeOf(t).until_us);
    return "SELECT m.id, m.event_type, m.channels FROM messages m WHERE m.app_id = ?5"
           " AND m.id >= ?1 AND m.id > ?2 AND m.created_at >= ?3 AND m.created_at < ?6"
           " ORDER BY m.id LIMIT ?4";
  }
  params.emplace_back(spec.endpoint_id);
  params.emplace_back(RangeOf(t).until_us);
  std::string sql = WithStates(
      "SELECT d.msg_id FROM deliveries d JOIN messages m ON m.id = d.msg_id"
      " WHERE d.endpoint_id = ?5 AND d.msg_id >= ?1 AND d.msg_id > ?2 AND m.created_at >= ?3"
      " AND m.created_at < ?6 AND d.held = 0 AND d.status <> {canceled}");
  if (spec.status) {
    sql += " AND d.status = ?";
    params.emplace_back(int64_t{static_cast<int>(*spec.status)});
  }
  if (spec.status_code_class) {
    sql +=
        " AND EXISTS (SELECT 1 FROM attempts a WHERE a.msg_id = d.msg_id AND"
        " a.endpoint_id = d.endpoint_id AND a.response_status / 100 = ?)";
    params.emplace_back(int64_t{*spec.status_code_class / 100});
  }
  if (!spec.event_types.empty()) {
    sql += " AND m.event_type IN (";
    for (size_t i = 0; i < spec.event_types.size(); ++i) {
      sql += i ? ",?" : "?";
      params.emplace_back(spec.event_types[i]);
    }
    sql += ")";
  }
  if (spec.channel) {
    sql += " AND EXISTS (SELECT 1 FROM json_each(m.channels) WHERE value = ?)";
    params.emplace_back(*spec.channel);
  }
  if (spec.tag) {
    sql += " AND EXISTS (SELECT 1 FROM json_each(m.tags) WHERE value = ?)";
    params.emplace_back(*spec.tag);
  }
  return sql + " ORDER BY d.msg_id LIMIT ?4";
}

// Fails with kLeaseLost unless `node` holds the running task `id`.
Status CheckHeld(Db& db, const std::string& id, const std::string& node) {
  auto s = db.Prepare(
      "SELECT 1 FROM background_tasks WHERE id = ? AND lease_node = ?"
      " AND status = 'running'");
  s.Bind(1, id).Bind(2, node);
  if (s.Step()) return {};
  if (s.error()) return std::unexpected(*s.error());
  return core::Fail(ErrorCode::kLeaseLost, "another node holds the task, or it ended");
}

}  // namespace

void SqliteStore::CreateTask(BackgroundTask task, Idempotency idem, Done<BackgroundTask> done) {
  Write<BackgroundTask>(
      std::move(idem), std::move(done), [t = std::move(task)](Db& db) -> Result<BackgroundTask> {
        auto s = db.Prepare("INSERT INTO background_tasks(" + std::string(kTaskCols) +
                            ") VALUES (?,?,?,?,?,?,?,?,?,?)")
                     .Bind(1, t.id)
                     .Bind(2, t.app_id)
                     .Bind(3, std::string(TaskKindName(t.kind)))
                     .Bind(4, std::string(TaskStatusName(t.status)))
                     .Bind(5, EncodeTaskSpec(t.spec))
                     .Bind(6, t.cursor)
                     .Bind(7, t.sent)
                     .Bind(8, ToMicros(t.created_at))
                     .Bind(9, ToMicros(t.updated_at))
                     .Bind(10, t.result)
                     .Run();
        if (!s) return std::unexpected(s.error());
        return t;
      });
}

Result<BackgroundTask> SqliteStore::GetTask(std::string_view id) {
  return ReadOne<BackgroundTask>(
      std::string("SELECT ") + kTaskCols + " FROM background_tasks WHERE id = ?", {std::string(id)},
      ReadTask, "background task");
}

Result<Page<BackgroundTask>> SqliteStore::ListTasks(const TaskFilter& filter,
                                                    const PageRequest& page) {
  std::string where = "1";
  std::vector<Param> params;
  if (filter.app_id) {
    where += " AND app_id = ?";
    params.emplace_back(*filter.app_id);
  }
  if (filter.status) {
    where += " AND status = ?";
    params.emplace_back(std::string(TaskStatusName(*filter.status)));
  }
  if (filter.kind) {
    where += " AND kind = ?";
    params.emplace_back(std::string(TaskKindName(*filter.kind)));
  }
  return List<BackgroundTask>(std::string("SELECT ") + kTaskCols + " FROM background_tasks", where,
                              params, "id", page, ReadTask,
                              [](const BackgroundTask& t) { return t.id; });
}

void SqliteStore::ClaimTask(std::string node, core::TimePoint now, core::TimePoint lease_until,
                            Done<std::optional<BackgroundTask>> done) {
  Write<std::optional<BackgroundTask>>(
      std::nullopt, std::move(done),
      [node = std::move(node), now, lease_until](Db& db) -> Result<std::optional<BackgroundTask>> {
        auto s = db.Prepare(
            "UPDATE background_tasks SET lease_node = ?1, lease_until = ?2 WHERE id ="
            " (SELECT id FROM background_tasks WHERE status = 'running' AND"
            " (lease_until IS NULL OR lease_until <= ?3) ORDER BY id LIMIT 1) RETURNING " +
            std::string(kTaskCols));
        s.Bind(1, node).Bind(2, ToMicros(lease_until)).Bind(3, ToMicros(now));
        if (s.Step()) return std::optional(ReadTask(s));
        if (s.error()) return std::unexpected(*s.error());
        return std::optional<BackgroundTask>();
      });
}

void SqliteStore::StepTask(const BackgroundTask& task, std::string node, core::TimePoint now,
                           core::TimePoint lease_until, size_t limit, Done<TaskStep> done) {
  auto due = std::make_shared<std::vector<core::DueDelivery>>();
  Write<TaskStep>(
      std::nullopt, std::move(done),
      [t = task, node = std::move(node), now, lease_until, limit, due](Db& db) -> Result<TaskStep> {
        due->clear();
        if (auto held = CheckHeld(db, t.id, node); !held) return std::unexpected(held.error());
        auto range = RangeOf(t);
        std::vector<Param> params{range.low, range.after, range.since_us,
                                  static_cast<int64_t>(limit)};
        auto scan = db.Prepare(ScanSql(t, params));
        BindAll(scan, params);
        static const std::string kReplay = WithStates(
            "UPDATE deliveries SET status = {pending}, attempts = 0, next_attempt_at = ?1,"
            " next_trigger = {manual}, updated_at = ?1 WHERE msg_id = ?2 AND endpoint_id = ?3");
        static const std::string kInsertMissing =
            WithStates(
                "INSERT INTO deliveries(msg_id, endpoint_id, app_id, status, attempts,"
                " next_attempt_at, next_trigger, created_at, updated_at, held)"
                " SELECT ?1, e.id, e.app_id, {pending}, 0, CASE WHEN e.disabled THEN NULL ELSE ?2"
                " END, {manual}, ?2, ?2, e.disabled FROM endpoints e WHERE e.id = ?3 AND ") +
            kSubscribes + " ON CONFLICT DO NOTHING RETURNING held";
        TaskStep out{t, false};
        size_t scanned = 0;
        auto at = ToMicros(now);
        while (scan.Step()) {
          ++scanned;
          std::string msg = scan.Text(0);
          bool made_due = false;
          if (t.kind == TaskKind::kReplayMissing) {
            auto ins = db.Prepare(kInsertMissing);
            ins.Bind(1, msg).Bind(2, at).Bind(3, t.spec.endpoint_id);
            ins.Bind(4, scan.Text(1)).Bind(5, scan.OptText(2));
            if (ins.Step()) {
              ++out.task.sent;
              made_due = ins.Int(0) == 0;
            }
            if (ins.error()) return std::unexpected(*ins.error());
          } else {
            auto s = db.Prepare(kReplay).Bind(1, at).Bind(2, msg).Bind(3, t.spec.endpoint_id).Run();
            if (!s) return std::unexpected(s.error());
            ++out.task.sent;
            made_due = true;
          }
          if (made_due) {
            due->push_back({t.app_id,
                            msg,
                            t.spec.endpoint_id,
                            0,
                            core::AttemptTrigger::kManual,
                            now,
                            nullptr,
                            nullptr,
                            nullptr,
                            {}});
          }
          out.task.cursor = std::move(msg);
        }
        if (scan.error()) return std::unexpected(*scan.error());
        out.at_end = scanned < limit;
        out.task.updated_at = now;
        auto s = db.Prepare(
                       "UPDATE background_tasks SET cursor = ?, sent = ?, lease_until = ?,"
                       " updated_at = ? WHERE id = ?")
                     .Bind(1, out.task.cursor)
                     .Bind(2, out.task.sent)
                     .Bind(3, ToMicros(lease_until))
                     .Bind(4, at)
                     .Bind(5, t.id)
                     .Run();
        if (!s) return std::unexpected(s.error());
        return out;
      },
      due);
}

void SqliteStore::FinishTask(const BackgroundTask& task, std::string node, core::TimePoint now,
                             core::OpsEvent finished, Done<void> done) {
  auto due = std::make_shared<std::vector<core::DueDelivery>>();
  Write<void>(
      std::nullopt, std::move(done),
      [id = task.id, node = std::move(node), now, finished = std::move(finished),
       due](Db& db) -> Status {
        due->clear();
        if (auto held = CheckHeld(db, id, node); !held) return held;
        auto s = db.Prepare(
                       "UPDATE background_tasks SET status = 'finished', lease_node = NULL,"
                       " lease_until = NULL, updated_at = ? WHERE id = ?")
                     .Bind(1, ToMicros(now))
                     .Bind(2, id)
                     .Run();
        if (!s) return s;
        return InsertOpsEvents(db, {finished}, now, *due);
      },
      due);
}

}  // namespace hookd::store::sqlite
