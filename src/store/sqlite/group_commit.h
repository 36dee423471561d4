// The single writer thread of the SQLite store, and its syncer. Queued writes are applied in
// batches: one transaction per batch. A write runs without a savepoint (one would copy every page
// the write touches); when a write fails after changing something, the transaction is rolled back
// and the batch's earlier writes are applied again, each in a savepoint for the rest of the batch
// (at most one replay per batch, so failing writes cannot multiply a batch's cost). Durability is
// pipelined: the writer commits a batch to the WAL without waiting for the disk
// (synchronous=NORMAL) and hands it to the syncer thread, which makes the WAL durable (fdatasync;
// one sync covers every batch committed before it) and only then reports the writes as done. While
// the syncer is busy the writer keeps applying writes as they arrive into the open transaction and
// commits when the syncer is free (or the batch is full): a commit sooner would wait for the same
// sync, so the batch grows with the disk's latency and costs no latency, and nothing is
// acknowledged before it is durable. A small batch (light load) the writer syncs itself, which
// saves the hand-off's two thread wakeups; writes arriving meanwhile are applied after the sync
// instead of during it, which costs little while batches are small. The writer checkpoints
// (SQLite syncs the WAL and the database under NORMAL) once the WAL has grown by
// `checkpoint_frames`, after the batch's sync was handed over or done: SQLite's automatic
// checkpoint would run inside COMMIT, and the batch's sync and acknowledgements would wait for it.
// After a failed sync the WAL's unsynced pages may be lost whatever later syncs report, so nothing
// written afterwards could be trusted: every later write fails (503) until restart.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/db.h"

namespace hookd::store::sqlite {

struct WriteTask {
  // Runs on the writer thread inside the batch transaction. Returns false to roll back this write.
  std::function<bool(Db&)> apply;
  // Runs once the batch is durable (ok) or has failed (why), on the thread that synced it (the
  // syncer, or the writer for a small batch) or on the writer for a batch that failed to commit.
  std::function<void(const core::Status& durable)> finish;
};

struct GroupCommitOptions {
  size_t max_batch = 1024;
  // When the syncer is free and no write is queued, wait for more until this long after the
  // batch began before committing it.
  std::chrono::microseconds linger{0};
  // Runs on the writer thread in its own transaction at most once per interval, between batches.
  std::function<void(Db&)> maintenance;
  std::chrono::seconds maintenance_interval{60};
  // The WAL file the syncer makes durable ("<database>-wal"); empty: commits sync themselves
  // (synchronous=FULL set by the caller) and the syncer only reports.
  std::string wal_path;
  int checkpoint_frames = 1000;  // SQLite's default
  // A batch of at most this many writes, committed while the syncer is idle, is synced by the
  // writer; a larger one goes to the syncer while the writer applies the next.
  size_t writer_sync_max = 32;
  // Runs on the writer thread in the batch's transaction just before COMMIT (to write what the
  // batch's writes accumulated).
  std::function<void(Db&)> before_commit;
  // Runs on the writer thread right after a batch committed (before it is durable).
  std::function<void()> after_commit;
  // Runs on the writer thread after a write (`batch` false) or the whole transaction rolled back
  // (caches of what the writer's transaction read may be wrong now; what the batch's writes
  // accumulated for `before_commit` is gone with a whole transaction).
  std::function<void(bool batch)> on_rollback;
};

class GroupCommitter {
 public:
  GroupCommitter(Db& db, GroupCommitOptions options);
  ~GroupCommitter();  // calls Stop()

  void Start();
  // Applies and syncs everything queued, then joins the threads. Later Submit() calls return
  // false.
  void Stop();
  // False when stopped (the task is not run).
  bool Submit(WriteTask task);

  uint64_t writes() const { return writes_.load(std::memory_order_relaxed); }
  uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }
  uint64_t syncs() const { return syncs_.load(std::memory_order_relaxed); }

 private:
  void Loop();
  // Opens the batch's transaction; when it cannot, the batch's writes fail with the error.
  core::Status Begin();
  static core::Status SyncFailed();
  // Applies `task` in the open transaction; `applied` are the batch's writes before it. May begin
  // the transaction again (`begun`).
  void Apply(WriteTask& task, std::deque<WriteTask>& applied, core::Status& begun);
  void ApplyInSavepoint(WriteTask& task);
  void Commit(std::deque<WriteTask>& batch, const core::Status& begun);
  static void Finish(std::deque<WriteTask>& batch, const core::Status& durable);
  void MaybeMaintain();
  void MaybeCheckpoint();
  void RolledBack(bool batch);
  void SyncLoop();
  core::Status Sync();  // makes every commit so far durable (once one failed: fails)
  bool SyncWal();       // false when the disk reported an error

  Db& db_;
  GroupCommitOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WriteTask> queue_;
  bool stopping_ = false;
  bool sync_idle_ = true;  // the syncer waits for a commit (set by it, cleared by Commit)
  std::chrono::steady_clock::time_point last_maintenance_ = std::chrono::steady_clock::now();
  std::thread thread_;

  // Committed batches waiting for the sync, in commit order.
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::vector<std::deque<WriteTask>> committed_;
  bool writer_done_ = false;
  std::atomic<bool> sync_failed_{false};
  bool savepoints_ = false;  // this batch's writes each run in a savepoint (after a replay)
  std::thread syncer_;
  int wal_fd_ = -1;
  bool checkpoint_failing_ = false;

  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> syncs_{0};
};

}  // namespace hookd::store::sqlite
