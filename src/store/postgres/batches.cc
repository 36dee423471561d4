// Batches and the completion check in PostgreSQL (batch_store.h). The check runs as one
// transaction on a pooled connection, under a transaction-level advisory lock, so checks of
// different nodes never overlap.
#include "core/json_text.h"
#include "core/ops_events.h"
#include "core/time_format.h"
#include "store/completion_check.h"
#include "store/postgres/rows.h"
#include "store/postgres/store_impl.h"

namespace hookd::store::postgres {
namespace {

using core::FromMicros;
using core::ToMicros;

// The advisory lock key of the completion check.
constexpr int64_t kCompletionLock = 0x686f6f6b64434b;  // "hookdCK"

// kBatchCols at `c`, then the member count at c + 10 when `counted`.
core::Batch ReadBatch(const Row& r, int c, bool counted) {
  core::Batch b;
  b.app_id = r.Text(c);
  b.id = r.Text(c + 1);
  b.expected = r.OptInt(c + 2);
  b.callback_endpoint = r.OptText(c + 3);
  b.created_at = FromMicros(r.Int(c + 4));
  b.closed_at = FromMicros(r.OptInt(c + 5));
  b.completed_at = FromMicros(r.OptInt(c + 6));
  b.succeeded = r.Int(c + 7);
  b.failed = r.Int(c + 8);
  b.killed = r.Int(c + 9);
  if (counted) b.messages = r.Int(c + 10);
  return b;
}

const std::string kSelectBatch =
    "SELECT " + Prefixed("b", kBatchCols) + ", " + kBatchMembers + " FROM batches b";

core::MessageCompletion ReadCompletion(const Row& r, int c) {
  core::MessageCompletion mc;
  mc.msg_id = r.Text(c);
  mc.app_id = r.Text(c + 1);
  mc.batch_id = r.OptText(c + 2);
  mc.status = core::ParseCompletionStatus(r.Text(c + 3)).value_or(core::CompletionStatus::kFailed);
  mc.completed_at = FromMicros(r.Int(c + 4));
  mc.destinations = core::ParseDestinations(r.Text(c + 5));
  return mc;
}

// The destinations of the messages `ids`.
Result<DestinationsOf> ReadDestinations(Conn& c, const std::vector<std::string>& ids) {
  auto rows = c.Exec(
      "SELECT msg_id, endpoint_id, status, attempts, last_status, held FROM deliveries"
      " WHERE msg_id = ANY($1::text[]) ORDER BY msg_id, endpoint_id",
      {TextArray(ids)});
  if (!rows) return std::unexpected(rows.error());
  DestinationsOf out;
  for (int i = 0; i < rows->size(); ++i) {
    out[rows->Text(i, 0)].push_back(
        {rows->Text(i, 1), static_cast<core::DeliveryStatus>(rows->Int(i, 2)),
         static_cast<int>(rows->Int(i, 3)), static_cast<int>(rows->Int(i, 4)), rows->Bool(i, 5)});
  }
  return out;
}

class Txn final : public CompletionTxn {
 public:
  Txn(Conn& c, std::vector<core::DeliveryKey>& due) : c_(c), due_(due) {}

  Result<std::vector<QueuedCheck>> TakeQueued(size_t limit) override {
    auto rows = c_.Exec(
        "DELETE FROM completion_queue WHERE id IN (SELECT id FROM completion_queue ORDER BY id"
        " LIMIT $1) RETURNING msg_id, app_id, batch_id",
        {P(static_cast<int64_t>(limit))});
    if (!rows) return std::unexpected(rows.error());
    std::vector<QueuedCheck> out;
    for (int i = 0; i < rows->size(); ++i) {
      out.push_back({rows->OptText(i, 0), rows->OptText(i, 1).value_or(""), rows->OptText(i, 2)});
    }
    return out;
  }

  Result<std::vector<MessageProgress>> ReadProgress(const std::vector<std::string>& ids) override {
    auto rows = c_.Exec(
        "SELECT m.id, m.app_id, m.event_id, m.event_type, m.batch_id, m.completion_endpoint,"
        " a.uid FROM messages m JOIN apps a ON a.id = m.app_id WHERE m.id = ANY($1::text[])"
        " AND NOT EXISTS (SELECT 1 FROM message_completions c WHERE c.msg_id = m.id)",
        {TextArray(ids)});
    if (!rows) return std::unexpected(rows.error());
    std::vector<MessageProgress> out;
    for (int i = 0; i < rows->size(); ++i) {
      MessageProgress p;
      p.message.id = rows->Text(i, 0);
      p.message.app_id = rows->Text(i, 1);
      p.message.event_id = rows->OptText(i, 2);
      p.message.event_type = rows->Text(i, 3);
      p.message.batch_id = rows->OptText(i, 4);
      p.message.completion_endpoint = rows->OptText(i, 5);
      p.message.track_completion = true;
      p.app_uid = rows->OptText(i, 6);
      out.push_back(std::move(p));
    }
    auto dest = ReadDestinations(c_, ids);
    if (!dest) return std::unexpected(dest.error());
    for (auto& p : out) p.destinations = std::move((*dest)[p.message.id]);
    return out;
  }

  Result<bool> OpsListen(std::string_view type) override {
    static const std::string kSql = "SELECT " + OpsListenSql("$1::text");
    auto rows = c_.Exec(kSql, {P(type)});
    if (!rows) return std::unexpected(rows.error());
    return rows->Bool(0, 0);
  }

  Status RecordCompletions(const std::vector<core::MessageCompletion>& completions) override {
    std::vector<std::string> ids, apps, batches, statuses, times, destinations;
    std::vector<std::string> batched;  // "t"/"f": has a batch
    for (const auto& c : completions) {
      ids.push_back(c.msg_id);
      apps.push_back(c.app_id);
      batches.push_back(c.batch_id.value_or(""));
      batched.push_back(c.batch_id ? "t" : "f");
      statuses.push_back(core::CompletionStatusName(c.status));
      times.push_back(std::to_string(ToMicros(c.completed_at)));
      destinations.push_back(core::JsonText(core::DestinationsJson(c.destinations)));
    }
    auto rows = c_.Exec(
        "INSERT INTO message_completions(" + std::string(kCompletionCols) +
            ") SELECT x.id, x.app, CASE WHEN x.batched THEN x.batch END, x.status, x.at::bigint,"
            " x.dest FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::text[],"
            " $6::text[], $7::text[]) AS x(id, app, batch, batched, status, at, dest)",
        {TextArray(ids), TextArray(apps), TextArray(batches), TextArray(batched),
         TextArray(statuses), TextArray(times), TextArray(destinations)});
    if (!rows) return std::unexpected(rows.error());
    return {};
  }

  Result<std::vector<std::pair<core::Batch, std::optional<std::string>>>> ReadBatches(
      const std::vector<BatchKey>& keys) override {
    std::vector<std::pair<core::Batch, std::optional<std::string>>> out;
    for (const auto& [app, id] : keys) {
      auto rows = c_.Exec("SELECT " + Prefixed("b", kBatchCols) +
                              ", a.uid FROM batches b JOIN apps a ON a.id = b.app_id"
                              " WHERE b.app_id = $1 AND b.id = $2",
                          {P(app), P(id)});
      if (!rows) return std::unexpected(rows.error());
      if (rows->size() == 1)
        out.emplace_back(ReadBatch(Row{*rows, 0}, 0, false), rows->OptText(0, 10));
    }
    return out;
  }

  Status SaveBatches(const std::vector<core::Batch>& batches) override {
    for (const auto& b : batches) {
      auto rows = c_.Exec(
          "UPDATE batches SET succeeded = $1, failed = $2, killed = $3, completed_at = $4"
          " WHERE app_id = $5 AND id = $6",
          {P(b.succeeded), P(b.failed), P(b.killed), P(ToMicros(b.completed_at)), P(b.app_id),
           P(b.id)});
      if (!rows) return std::unexpected(rows.error());
    }
    return {};
  }

  Status InsertEvents(std::vector<core::OpsEvent> events, core::TimePoint now) override {
    std::vector<Query> queries;
    auto fan = AddOpsEvents(queries, events, now);
    std::vector<Rows> results;
    for (const auto& q : queries) {
      auto rows = c_.Exec(q);
      if (!rows) return std::unexpected(rows.error());
      results.push_back(std::move(*rows));
    }
    CollectOpsDue(results, fan, due_);
    notify_ = true;
    return {};
  }

  bool notify() const { return notify_; }

 private:
  Conn& c_;
  std::vector<core::DeliveryKey>& due_;
  bool notify_ = false;
};

}  // namespace

void PostgresStore::CreateBatch(core::Batch batch, std::optional<core::Endpoint> callback,
                                Idempotency idem, Done<core::Batch> done) {
  std::vector<Query> queries;
  if (callback) {
    queries.push_back({"INSERT INTO endpoints(" + std::string(kEndpointCols) + ") VALUES (" +
                           Placeholders(1, 20) + ")",
                       EndpointParams(*callback)});
  }
  queries.push_back(
      {"INSERT INTO batches(app_id, id, expected, callback_endpoint, created_at)"
       " VALUES ($1, $2, $3, $4, $5)",
       {P(batch.app_id), P(batch.id), P(batch.expected), P(batch.callback_endpoint),
        P(ToMicros(batch.created_at))}});
  Write<core::Batch>(
      std::move(idem), std::move(done), std::move(queries),
      [batch = std::move(batch)](Result<std::vector<Rows>> r, Keys&) -> Result<core::Batch> {
        if (!r) return Conflict(r.error(), "a batch with this id already exists");
        return batch;
      });
}

Result<core::Batch> PostgresStore::GetBatch(std::string_view app_id, std::string_view id) {
  return ReadOne<core::Batch>(
      {kSelectBatch + " WHERE b.app_id = $1 AND b.id = $2", {P(app_id), P(id)}},
      [](const Row& r) { return ReadBatch(r, 0, true); }, "batch");
}

Result<Page<core::Batch>> PostgresStore::ListBatches(std::string_view app_id,
                                                     const PageRequest& page) {
  Where where;
  where.And("b.app_id = {}", {P(app_id)});
  return List<core::Batch>(
      kSelectBatch, std::move(where), "b.id", page,
      [](const Row& r) { return ReadBatch(r, 0, true); },
      [](const core::Batch& b) { return b.id; });
}

void PostgresStore::CloseBatch(std::string app_id, std::string id, core::TimePoint now,
                               Done<core::Batch> done) {
  static const std::string kExists =
      "SELECT hookd_fail('" + std::string(SqlStateOf(core::ErrorCode::kNotFound)) +
      "', 'batch not found') WHERE NOT EXISTS (SELECT 1 FROM batches WHERE app_id = $1 AND"
      " id = $2)";
  static const std::string kClose =
      std::string("WITH c AS (UPDATE batches b SET closed_at = $3, expected = ") + kBatchMembers +
      " WHERE b.app_id = $1 AND b.id = $2 AND b.closed_at IS NULL AND b.completed_at IS NULL"
      " RETURNING b.app_id, b.id)"
      " INSERT INTO completion_queue(app_id, batch_id) SELECT app_id, id FROM c";
  static const std::string kRead = kSelectBatch + " WHERE b.app_id = $1 AND b.id = $2";
  Write<core::Batch>(std::nullopt, std::move(done),
                     {{kExists, {P(app_id), P(id)}},
                      {kClose, {P(app_id), P(id), P(ToMicros(now))}},
                      {kRead, {P(app_id), P(id)}}},
                     [](Result<std::vector<Rows>> r, Keys&) -> Result<core::Batch> {
                       if (!r) return std::unexpected(r.error());
                       return ReadBatch(Row{(*r)[2], 0}, 0, true);
                     });
}

Result<Page<BatchMember>> PostgresStore::ListBatchMembers(std::string_view app_id,
                                                          std::string_view batch_id,
                                                          const PageRequest& page) {
  Where where;
  where.And("m.app_id = {} AND m.batch_id = {}", {P(app_id), P(batch_id)});
  auto members = List<BatchMember>(
      "SELECT " + Prefixed("m", kMessageCols) + ", " + Prefixed("c", kCompletionCols) +
          " FROM messages m LEFT JOIN message_completions c ON c.msg_id = m.id",
      std::move(where), "m.id", page,
      [](const Row& r) {
        BatchMember b{ReadMessage(r, 0), std::nullopt, {}};
        if (!r.IsNull(kMessageColCount)) b.completion = ReadCompletion(r, kMessageColCount);
        return b;
      },
      [](const BatchMember& b) { return b.message.id; });
  if (!members || members->data.empty()) return members;
  std::vector<std::string> ids;
  for (const auto& m : members->data) ids.push_back(m.message.id);
  auto dest = Read([&](Conn& c) { return ReadDestinations(c, ids); });
  if (!dest) return std::unexpected(dest.error());
  for (auto& m : members->data) m.destinations = std::move((*dest)[m.message.id]);
  return members;
}

Result<core::MessageCompletion> PostgresStore::GetCompletion(std::string_view app_id,
                                                             std::string_view msg_id) {
  return ReadOne<core::MessageCompletion>(
      {std::string("SELECT ") + kCompletionCols +
           " FROM message_completions WHERE app_id = $1 AND msg_id = $2",
       {P(app_id), P(msg_id)}},
      [](const Row& r) { return ReadCompletion(r, 0); }, "completion");
}

void PostgresStore::CheckCompletions(core::TimePoint now, size_t limit, Done<int64_t> done) {
  Keys due;
  auto r = Read([&](Conn& c) -> Result<int64_t> {
    due.clear();
    auto queued = c.Exec("SELECT EXISTS (SELECT 1 FROM completion_queue)");
    if (!queued) return std::unexpected(queued.error());
    if (!queued->Bool(0, 0)) return int64_t{0};
    if (auto s = c.ExecScript("BEGIN"); !s) return std::unexpected(s.error());
    auto rollback = [&c](core::Error e) -> Result<int64_t> {
      if (!c.broken()) (void)c.ExecScript("ROLLBACK");
      return std::unexpected(std::move(e));
    };
    auto locked = c.Exec("SELECT pg_try_advisory_xact_lock($1)", {P(kCompletionLock)});
    if (!locked) return rollback(locked.error());
    if (!locked->Bool(0, 0)) {  // another node is checking
      (void)c.ExecScript("ROLLBACK");
      return 0;
    }
    Txn txn(c, due);
    auto taken = RunCompletionCheck(txn, now, limit, clock_);
    if (!taken) return rollback(taken.error());
    if (txn.notify()) {
      if (auto n = c.Exec(kNotifyDue); !n) return rollback(n.error());
    }
    if (auto s = c.ExecScript("COMMIT"); !s) return std::unexpected(s.error());
    return taken;
  });
  if (r && !due.empty()) {
    AddFresh(std::move(due));
    if (wake_) wake_();
  }
  done(std::move(r));
}

}  // namespace hookd::store::postgres
