// Background tasks: leases in the row, one step per commit (a single statement does the step).
#include "core/ops_events.h"
#include "core/time_format.h"
#include "store/json_fields.h"
#include "store/postgres/rows.h"
#include "store/postgres/store_impl.h"
#include "store/state_sql.h"

namespace hookd::store::postgres {
namespace {

using core::FromMicros;
using core::ToMicros;

BackgroundTask ReadTask(const Row& r) {
  BackgroundTask t;
  t.id = r.Text(0);
  t.app_id = r.Text(1);
  t.kind = ParseTaskKind(r.Text(2)).value_or(TaskKind::kBulkReplay);
  t.status = ParseTaskStatus(r.Text(3)).value_or(TaskStatus::kFailed);
  t.spec = DecodeTaskSpec(r.Text(4));
  t.cursor = r.OptText(5);
  t.sent = r.Int(6);
  t.created_at = FromMicros(r.Int(7));
  t.updated_at = FromMicros(r.Int(8));
  t.result = r.OptText(9);
  return t;
}

// Fails the write with kLeaseLost unless node $2 holds the running task $1 (locked until the
// commit).
std::string HeldCheck() {
  return "SELECT hookd_fail('" + std::string(SqlStateOf(core::ErrorCode::kLeaseLost)) +
         "', 'another node holds the task, or it ended') FROM (SELECT count(*) AS n FROM"
         " (SELECT 1 FROM background_tasks WHERE id = $1 AND lease_node = $2 AND status ="
         " 'running' FOR UPDATE) x) c WHERE c.n = 0";
}

// One step as one statement: the scan `s` over message ids ($1 low, $2 after) of messages
// created in [$3, $10), $4 at most, the deliveries made due `u`, and the task's cursor, count
// and lease ($8) moved on.
// Returns the new cursor and count, how many were scanned and the ids made due (comma-separated).
// $5: the app (replay-missing) or endpoint, $6 the endpoint, $7 now, $9 the task.
std::string StepSql(const BackgroundTask& t, std::vector<Param>& params) {
  const auto& spec = t.spec;
  std::string scan, made_due;
  if (t.kind == TaskKind::kReplayMissing) {
    scan =
        "SELECT m.id, m.event_type, m.channels FROM messages m WHERE m.app_id = $5"
        " AND m.id >= $1 AND m.id > $2 AND m.created_at >= $3::bigint"
        " AND m.created_at < $10::bigint ORDER BY m.id LIMIT $4";
    made_due = WithStates(
        "INSERT INTO deliveries(msg_id, endpoint_id, app_id, status, attempts, next_attempt_at,"
        " next_trigger, created_at, updated_at, held)"
        " SELECT s.id, e.id, e.app_id, {pending}, 0, CASE WHEN e.disabled THEN NULL ELSE"
        " $7::bigint END, {manual}, $7::bigint, $7::bigint, e.disabled FROM s JOIN endpoints e"
        " ON e.id = $6 WHERE " +
        Subscribes("s.event_type",
                   "ARRAY(SELECT jsonb_array_elements_text(COALESCE(s.channels, '[]'::jsonb)))") +
        " ON CONFLICT DO NOTHING RETURNING msg_id, held");
  } else {
    scan = WithStates(
        "SELECT d.msg_id AS id FROM deliveries d JOIN messages m ON m.id = d.msg_id"
        " WHERE d.endpoint_id = $5 AND d.msg_id >= $1 AND d.msg_id > $2"
        " AND m.created_at >= $3::bigint AND m.created_at < $10::bigint"
        " AND NOT d.held AND d.status <> {canceled}");
    auto next = [&params](Param p) {
      params.push_back(std::move(p));
      return "$" + std::to_string(params.size());
    };
    if (spec.status) scan += " AND d.status = " + next(P(static_cast<int>(*spec.status)));
    if (spec.status_code_class) {
      scan +=
          " AND EXISTS (SELECT 1 FROM attempts a WHERE a.msg_id = d.msg_id AND"
          " a.endpoint_id = d.endpoint_id AND a.response_status / 100 = " +
          next(P(*spec.status_code_class / 100)) + "::integer)";
    }
    if (!spec.event_types.empty())
      scan += " AND m.event_type = ANY(" + next(TextArray(spec.event_types)) + "::text[])";
    if (spec.channel) scan += " AND m.channels ? " + next(P(*spec.channel));
    if (spec.tag) scan += " AND m.tags ? " + next(P(*spec.tag));
    scan += " ORDER BY d.msg_id LIMIT $4";
    made_due = WithStates(
        "UPDATE deliveries d SET status = {pending}, attempts = 0, next_attempt_at = $7::bigint,"
        " next_trigger = {manual}, updated_at = $7::bigint FROM s WHERE d.msg_id = s.id AND"
        " d.endpoint_id = $6 RETURNING d.msg_id, d.held");
  }
  return "WITH s AS (" + scan + "), u AS (" + made_due +
         "), t AS (UPDATE background_tasks SET cursor = COALESCE((SELECT max(id) FROM s),"
         " cursor), sent = sent + (SELECT count(*) FROM u), lease_until = $8::bigint,"
         " updated_at = $7::bigint WHERE id = $9 RETURNING cursor, sent)"
         " SELECT t.cursor, t.sent, (SELECT count(*) FROM s),"
         " (SELECT string_agg(msg_id, ',') FROM u WHERE NOT held) FROM t";
}

}  // namespace

void PostgresStore::CreateTask(BackgroundTask task, Idempotency idem, Done<BackgroundTask> done) {
  Query q{"INSERT INTO background_tasks(" + std::string(kTaskCols) + ") VALUES (" +
              Placeholders(1, 10) + ")",
          {P(task.id), P(task.app_id), P(TaskKindName(task.kind)), P(TaskStatusName(task.status)),
           P(EncodeTaskSpec(task.spec)), task.cursor, P(task.sent), P(ToMicros(task.created_at)),
           P(ToMicros(task.updated_at)), task.result}};
  Write<BackgroundTask>(
      std::move(idem), std::move(done), {std::move(q)},
      [task = std::move(task)](Result<std::vector<Rows>> r, Keys&) -> Result<BackgroundTask> {
        if (!r) return std::unexpected(r.error());
        return task;
      });
}

Result<BackgroundTask> PostgresStore::GetTask(std::string_view id) {
  return ReadOne<BackgroundTask>(
      {std::string("SELECT ") + kTaskCols + " FROM background_tasks WHERE id = $1", {P(id)}},
      ReadTask, "background task");
}

Result<Page<BackgroundTask>> PostgresStore::ListTasks(const TaskFilter& filter,
                                                      const PageRequest& page) {
  Where where;
  if (filter.app_id) where.And("app_id = {}", {P(*filter.app_id)});
  if (filter.status) where.And("status = {}", {P(TaskStatusName(*filter.status))});
  if (filter.kind) where.And("kind = {}", {P(TaskKindName(*filter.kind))});
  return List<BackgroundTask>(std::string("SELECT ") + kTaskCols + " FROM background_tasks",
                              std::move(where), "id", page, ReadTask,
                              [](const BackgroundTask& t) { return t.id; });
}

void PostgresStore::ClaimTask(std::string node, core::TimePoint now, core::TimePoint lease_until,
                              Done<std::optional<BackgroundTask>> done) {
  static const std::string kSql =
      "UPDATE background_tasks SET lease_node = $1, lease_until = $2 WHERE id ="
      " (SELECT id FROM background_tasks WHERE status = 'running' AND (lease_until IS NULL OR"
      " lease_until <= $3) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING " +
      std::string(kTaskCols);
  Write<std::optional<BackgroundTask>>(
      std::nullopt, std::move(done),
      {{kSql, {P(node), P(ToMicros(lease_until)), P(ToMicros(now))}}},
      [](Result<std::vector<Rows>> r, Keys&) -> Result<std::optional<BackgroundTask>> {
        if (!r) return std::unexpected(r.error());
        const Rows& rows = (*r)[0];
        if (rows.size() == 0) return std::optional<BackgroundTask>();
        return std::optional(ReadTask(Row{rows, 0}));
      });
}

void PostgresStore::StepTask(const BackgroundTask& task, std::string node, core::TimePoint now,
                             core::TimePoint lease_until, size_t limit, Done<TaskStep> done) {
  auto range = RangeOf(task);
  std::vector<Param> params{
      P(range.low),
      P(range.after),
      P(range.since_us),
      P(static_cast<int64_t>(limit)),
      P(task.kind == TaskKind::kReplayMissing ? task.app_id : task.spec.endpoint_id),
      P(task.spec.endpoint_id),
      P(ToMicros(now)),
      P(ToMicros(lease_until)),
      P(task.id),
      P(range.until_us)};
  auto sql = StepSql(task, params);
  std::vector<Query> queries{{HeldCheck(), {P(task.id), P(node)}}, {sql, std::move(params)}};
  Write<TaskStep>(
      std::nullopt, std::move(done), std::move(queries),
      [task, limit, now](Result<std::vector<Rows>> r, Keys& due) -> Result<TaskStep> {
        if (!r) return std::unexpected(r.error());
        const Rows& rows = (*r)[1];
        TaskStep out{task, false};
        if (rows.size() != 1) return core::Fail(core::ErrorCode::kNotFound, "task not found");
        out.task.cursor = rows.OptText(0, 0);
        out.task.sent = rows.Int(0, 1);
        out.task.updated_at = now;
        out.at_end = rows.Int(0, 2) < static_cast<int64_t>(limit);
        if (auto ids = rows.OptText(0, 3)) {
          size_t start = 0;
          while (start <= ids->size()) {
            size_t comma = std::min(ids->find(',', start), ids->size());
            due.push_back({ids->substr(start, comma - start), task.spec.endpoint_id});
            start = comma + 1;
          }
        }
        return out;
      },
      /*notify=*/true);
}

void PostgresStore::FinishTask(const BackgroundTask& task, std::string node, core::TimePoint now,
                               core::OpsEvent finished, Done<void> done) {
  std::vector<Query> queries{
      {HeldCheck(), {P(task.id), P(node)}},
      {"UPDATE background_tasks SET status = 'finished', lease_node = NULL, lease_until = NULL,"
       " updated_at = $2 WHERE id = $1",
       {P(task.id), P(ToMicros(now))}}};
  auto fan = AddOpsEvents(queries, {std::move(finished)}, now);
  Write<void>(
      std::nullopt, std::move(done), std::move(queries),
      [fan](Result<std::vector<Rows>> r, Keys& due) -> Status {
        if (!r) return std::unexpected(r.error());
        CollectOpsDue(*r, fan, due);
        return {};
      },
      /*notify=*/true);
}

}  // namespace hookd::store::postgres
