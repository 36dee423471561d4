// Batches and the completion check in SQLite (batch_store.h).
#include "core/json_text.h"
#include "core/ops_events.h"
#include "store/completion_check.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "store/state_sql.h"

namespace hookd::store::sqlite {
namespace {

// kBatchCols at `c`, then the member count at c + 10 when `counted`.
core::Batch ReadBatchAt(Stmt& s, int c, bool counted) {
  core::Batch b;
  b.app_id = s.Text(c);
  b.id = s.Text(c + 1);
  b.expected = s.OptInt(c + 2);
  b.callback_endpoint = s.OptText(c + 3);
  b.created_at = FromMicros(s.Int(c + 4));
  b.closed_at = FromMicros(s.OptInt(c + 5));
  b.completed_at = FromMicros(s.OptInt(c + 6));
  b.succeeded = s.Int(c + 7);
  b.failed = s.Int(c + 8);
  b.killed = s.Int(c + 9);
  if (counted) b.messages = s.Int(c + 10);
  return b;
}

const std::string kSelectBatch =
    "SELECT " + Prefixed("b", kBatchCols) + ", " + kBatchMembers + " FROM batches b";

// The destinations of the messages `ids`.
Result<DestinationsOf> ReadDestinations(Db& db, const std::vector<std::string>& ids) {
  auto s = db.Prepare(
      "SELECT msg_id, endpoint_id, status, attempts, last_status, held FROM deliveries"
      " WHERE msg_id IN (SELECT value FROM json_each(?)) ORDER BY msg_id, endpoint_id");
  s.Bind(1, EncodeList(ids));
  DestinationsOf out;
  while (s.Step()) {
    out[s.Text(0)].push_back({s.Text(1), static_cast<core::DeliveryStatus>(s.Int(2)),
                              static_cast<int>(s.Int(3)), static_cast<int>(s.Int(4)),
                              s.Int(5) != 0});
  }
  if (s.error()) return std::unexpected(*s.error());
  return out;
}

core::MessageCompletion ReadCompletionAt(Stmt& s, int c) {
  core::MessageCompletion mc;
  mc.msg_id = s.Text(c);
  mc.app_id = s.Text(c + 1);
  mc.batch_id = s.OptText(c + 2);
  mc.status = core::ParseCompletionStatus(s.Text(c + 3)).value_or(core::CompletionStatus::kFailed);
  mc.completed_at = FromMicros(s.Int(c + 4));
  mc.destinations = core::ParseDestinations(s.Text(c + 5));
  return mc;
}

// The completion check's reads and writes, inside the writer's transaction.
class Txn final : public CompletionTxn {
 public:
  Txn(Db& db, std::vector<core::DueDelivery>& due) : db_(db), due_(due) {}

  Result<std::vector<QueuedCheck>> TakeQueued(size_t limit) override {
    auto s = db_.Prepare(
        "DELETE FROM completion_queue WHERE id IN (SELECT id FROM completion_queue ORDER BY id"
        " LIMIT ?) RETURNING msg_id, app_id, batch_id");
    s.Bind(1, static_cast<int64_t>(limit));
    std::vector<QueuedCheck> out;
    while (s.Step()) out.push_back({s.OptText(0), s.OptText(1).value_or(""), s.OptText(2)});
    if (s.error()) return std::unexpected(*s.error());
    return out;
  }

  Result<std::vector<MessageProgress>> ReadProgress(const std::vector<std::string>& ids) override {
    auto s = db_.Prepare(
        "SELECT m.id, m.app_id, m.event_id, m.event_type, m.batch_id, m.completion_endpoint,"
        " a.uid FROM messages m JOIN apps a ON a.id = m.app_id WHERE m.id IN (SELECT value FROM"
        " json_each(?)) AND NOT EXISTS (SELECT 1 FROM message_completions c WHERE"
        " c.msg_id = m.id)");
    s.Bind(1, EncodeList(ids));
    std::vector<MessageProgress> out;
    while (s.Step()) {
      MessageProgress p;
      p.message.id = s.Text(0);
      p.message.app_id = s.Text(1);
      p.message.event_id = s.OptText(2);
      p.message.event_type = s.Text(3);
      p.message.batch_id = s.OptText(4);
      p.message.completion_endpoint = s.OptText(5);
      p.message.track_completion = true;
      p.app_uid = s.OptText(6);
      out.push_back(std::move(p));
    }
    if (s.error()) return std::unexpected(*s.error());
    auto dest = ReadDestinations(db_, ids);
    if (!dest) return std::unexpected(dest.error());
    for (auto& p : out) p.destinations = std::move((*dest)[p.message.id]);
    return out;
  }

  Result<bool> OpsListen(std::string_view type) override {
    static const std::string kSql = "SELECT " + OpsListenSql("?");
    auto s = db_.Prepare(kSql);
    s.Bind(1, type);
    if (!s.Step()) return std::unexpected(s.error().value_or(core::Error{}));
    return s.Int(0) != 0;
  }

  Status RecordCompletions(const std::vector<core::MessageCompletion>& completions) override {
    for (const auto& c : completions) {
      auto s = db_.Prepare(std::string("INSERT INTO message_completions(") + kCompletionCols +
                           ") VALUES (?, ?, ?, ?, ?, ?)")
                   .Bind(1, c.msg_id)
                   .Bind(2, c.app_id)
                   .Bind(3, c.batch_id)
                   .Bind(4, core::CompletionStatusName(c.status))
                   .Bind(5, ToMicros(c.completed_at))
                   .Bind(6, core::JsonText(core::DestinationsJson(c.destinations)))
                   .Run();
      if (!s) return s;
    }
    return {};
  }

  Result<std::vector<std::pair<core::Batch, std::optional<std::string>>>> ReadBatches(
      const std::vector<BatchKey>& keys) override {
    std::vector<std::pair<core::Batch, std::optional<std::string>>> out;
    for (const auto& [app, id] : keys) {
      auto s = db_.Prepare("SELECT " + Prefixed("b", kBatchCols) +
                           ", a.uid FROM batches b JOIN apps a ON a.id = b.app_id"
                           " WHERE b.app_id = ? AND b.id = ?");
      s.Bind(1, app).Bind(2, id);
      if (s.Step()) out.emplace_back(ReadBatchAt(s, 0, false), s.OptText(10));
      if (s.error()) return std::unexpected(*s.error());
    }
    return out;
  }

  Status SaveBatches(const std::vector<core::Batch>& batches) override {
    for (const auto& b : batches) {
      auto s = db_.Prepare(
                      "UPDATE batches SET succeeded = ?, failed = ?, killed = ?, completed_at = ?"
                      " WHERE app_id = ? AND id = ?")
                   .Bind(1, b.succeeded)
                   .Bind(2, b.failed)
                   .Bind(3, b.killed)
                   .Bind(4, ToMicros(b.completed_at))
                   .Bind(5, b.app_id)
                   .Bind(6, b.id)
                   .Run();
      if (!s) return s;
    }
    return {};
  }

  Status InsertEvents(std::vector<core::OpsEvent> events, core::TimePoint now) override {
    return InsertOpsEvents(db_, events, now, due_);
  }

 private:
  Db& db_;
  std::vector<core::DueDelivery>& due_;
};

}  // namespace

void SqliteStore::CreateBatch(core::Batch batch, std::optional<core::Endpoint> callback,
                              Idempotency idem, Done<core::Batch> done) {
  Write<core::Batch>(
      std::move(idem), std::move(done),
      [batch = std::move(batch), callback = std::move(callback)](Db& db) -> Result<core::Batch> {
        if (callback) {
          auto s = BindEndpoint(db.Prepare(kInsertEndpoint), *callback).Run();
          if (!s) return std::unexpected(s.error());
        }
        auto s = db.Prepare(
                       "INSERT INTO batches(app_id, id, expected, callback_endpoint, created_at)"
                       " VALUES (?, ?, ?, ?, ?)")
                     .Bind(1, batch.app_id)
                     .Bind(2, batch.id)
                     .Bind(3, batch.expected)
                     .Bind(4, batch.callback_endpoint)
                     .Bind(5, ToMicros(batch.created_at))
                     .Run();
        if (!s) return Conflict(s.error(), "a batch with this id already exists");
        return batch;
      });
}

Result<core::Batch> SqliteStore::GetBatch(std::string_view app_id, std::string_view id) {
  return ReadOne<core::Batch>(
      kSelectBatch + " WHERE b.app_id = ? AND b.id = ?", {std::string(app_id), std::string(id)},
      [](Stmt& s) { return ReadBatchAt(s, 0, true); }, "batch");
}

Result<Page<core::Batch>> SqliteStore::ListBatches(std::string_view app_id,
                                                   const PageRequest& page) {
  return List<core::Batch>(
      kSelectBatch, "b.app_id = ?", {std::string(app_id)}, "b.id", page,
      [](Stmt& s) { return ReadBatchAt(s, 0, true); }, [](const core::Batch& b) { return b.id; });
}

void SqliteStore::CloseBatch(std::string app_id, std::string id, core::TimePoint now,
                             Done<core::Batch> done) {
  Write<core::Batch>(
      std::nullopt, std::move(done),
      [app_id = std::move(app_id), id = std::move(id), now](Db& db) -> Result<core::Batch> {
        auto s = db.Prepare(std::string("UPDATE batches AS b SET closed_at = ?, expected = ") +
                            kBatchMembers +
                            " WHERE b.app_id = ? AND b.id = ? AND b.closed_at IS NULL"
                            " AND b.completed_at IS NULL")
                     .Bind(1, ToMicros(now))
                     .Bind(2, app_id)
                     .Bind(3, id)
                     .Run();
        if (!s) return std::unexpected(s.error());
        if (db.Changes() > 0) {
          s = db.Prepare("INSERT INTO completion_queue(app_id, batch_id) VALUES (?, ?)")
                  .Bind(1, app_id)
                  .Bind(2, id)
                  .Run();
          if (!s) return std::unexpected(s.error());
        }
        auto read = db.Prepare(kSelectBatch + " WHERE b.app_id = ? AND b.id = ?");
        read.Bind(1, app_id).Bind(2, id);
        if (read.Step()) return ReadBatchAt(read, 0, true);
        if (read.error()) return std::unexpected(*read.error());
        return core::NotFound("batch");
      });
}

Result<Page<BatchMember>> SqliteStore::ListBatchMembers(std::string_view app_id,
                                                        std::string_view batch_id,
                                                        const PageRequest& page) {
  auto members = List<BatchMember>(
      "SELECT " + Prefixed("m", kMessageCols) + ", " + Prefixed("c", kCompletionCols) +
          " FROM messages m LEFT JOIN message_completions c ON c.msg_id = m.id",
      "m.app_id = ? AND m.batch_id = ?", {std::string(app_id), std::string(batch_id)}, "m.id", page,
      [](Stmt& s) {
        BatchMember b{ReadMessageAt(s, 0), std::nullopt, {}};
        if (!s.IsNull(kMessageColCount)) b.completion = ReadCompletionAt(s, kMessageColCount);
        return b;
      },
      [](const BatchMember& b) { return b.message.id; });
  if (!members || members->data.empty()) return members;
  std::vector<std::string> ids;
  for (const auto& m : members->data) ids.push_back(m.message.id);
  auto db = reads_.Acquire();
  if (!db) return std::unexpected(db.error());
  auto dest = ReadDestinations(**db, ids);
  if (!dest) return std::unexpected(dest.error());
  for (auto& m : members->data) m.destinations = std::move((*dest)[m.message.id]);
  return members;
}

Result<core::MessageCompletion> SqliteStore::GetCompletion(std::string_view app_id,
                                                           std::string_view msg_id) {
  return ReadOne<core::MessageCompletion>(
      std::string("SELECT ") + kCompletionCols +
          " FROM message_completions WHERE app_id = ? AND msg_id = ?",
      {std::string(app_id), std::string(msg_id)}, [](Stmt& s) { return ReadCompletionAt(s, 0); },
      "completion");
}

void SqliteStore::CheckCompletions(core::TimePoint now, size_t limit, Done<int64_t> done) {
  if (NoRow("SELECT 1 FROM completion_queue LIMIT 1", {})) return done(int64_t{0});
  auto due = std::make_shared<std::vector<core::DueDelivery>>();
  Write<int64_t>(
      std::nullopt, std::move(done),
      [this, now, limit, due](Db& db) -> Result<int64_t> {
        due->clear();
        Txn txn(db, *due);
        return RunCompletionCheck(txn, now, limit, clock_);
      },
      due);
}

}  // namespace hookd::store::sqlite
