#include "store/sqlite/group_commit.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/thread_setup.h"

namespace hookd::store::sqlite {

GroupCommitter::GroupCommitter(Db& db, GroupCommitOptions options)
    : db_(db), options_(std::move(options)) {}

GroupCommitter::~GroupCommitter() {
  Stop();
  if (wal_fd_ >= 0) close(wal_fd_);
}

void GroupCommitter::Start() {
  db_.TakeOverCheckpoints();
  syncer_ = std::thread([this] {
    core::SetUpThisThread("hookd-sync");
    SyncLoop();
  });
  thread_ = std::thread([this] {
    core::SetUpThisThread("hookd-writer");
    Loop();
  });
}

void GroupCommitter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(sync_mu_);
    writer_done_ = true;
  }
  sync_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();
}

bool GroupCommitter::Submit(WriteTask task) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    queue_.push_back(std::move(task));
    // The writer waits for the first write, then lingers until the batch is full: only those
    // two moments need a wakeup (each one is a syscall).
    wake = queue_.size() == 1 || queue_.size() >= options_.max_batch;
  }
  if (wake) cv_.notify_one();
  return true;
}

void GroupCommitter::Loop() {
  std::deque<WriteTask> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
    }
    core::Status begun = Begin();
    auto linger_until = std::chrono::steady_clock::now() + options_.linger;
    for (;;) {
      std::deque<WriteTask> taken;
      {
        std::unique_lock lock(mu_);
        // While the syncer is busy a commit could not be synced any sooner: keep applying
        // writes as they come, and commit once it is free (or the batch is full).
        auto more = [&] { return stopping_ || !queue_.empty(); };
        if (!sync_idle_) cv_.wait(lock, [&] { return more() || sync_idle_; });
        if (queue_.empty() && sync_idle_ && !stopping_ && options_.linger.count() > 0)
          cv_.wait_until(lock, linger_until, more);  // a short wait may fill this commit
        size_t n = std::min(queue_.size(), options_.max_batch - batch.size());
        for (size_t i = 0; i < n; ++i) {
          taken.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      for (auto& task : taken) {
        if (begun) Apply(task, batch, begun);
        batch.push_back(std::move(task));
      }
      if (taken.empty() || batch.size() >= options_.max_batch) break;
    }
    Commit(batch, begun);
    batch.clear();
    MaybeCheckpoint();
    MaybeMaintain();
  }
}

void GroupCommitter::MaybeCheckpoint() {
  if (db_.wal_frames() < options_.checkpoint_frames) return;
  auto s = db_.Checkpoint();
  // Retried after every commit while it fails (a full disk): logged once, and the recovery.
  if (!s && !checkpoint_failing_)
    spdlog::error("store: checkpoint failed (the WAL grows meanwhile): {}", s.error().detail);
  else if (s && checkpoint_failing_)
    spdlog::info("store: checkpoints work again");
  checkpoint_failing_ = !s;
}

void GroupCommitter::MaybeMaintain() {
  auto now = std::chrono::steady_clock::now();
  if (!options_.maintenance || now - last_maintenance_ < options_.maintenance_interval) return;
  last_maintenance_ = now;
  if (!Begin()) return;
  options_.maintenance(db_);
  if (!db_.Prepare("COMMIT").Run()) {
    (void)db_.Exec("ROLLBACK");
    RolledBack(true);
  }
}

core::Status GroupCommitter::Begin() {
  savepoints_ = false;
  if (sync_failed_.load()) return SyncFailed();
  auto begun = db_.Prepare("BEGIN IMMEDIATE").Run();  // cached: not parsed per batch
  if (!begun) spdlog::error("store: cannot begin transaction: {}", begun.error().detail);
  return begun;
}

core::Status GroupCommitter::SyncFailed() {
  return core::Fail(core::ErrorCode::kUnavailable,
                    "a disk sync failed: writes are refused until hookd restarts");
}

void GroupCommitter::Apply(WriteTask& task, std::deque<WriteTask>& applied, core::Status& begun) {
  if (savepoints_) return ApplyInSavepoint(task);
  int64_t changes = db_.TotalChanges();
  if (task.apply(db_)) return;
  // A write that failed before changing anything (the usual case: a check refused it) leaves
  // nothing to undo. Otherwise (or when SQLite ended the transaction itself) undo it with the
  // whole transaction and apply the earlier writes again; the failed one keeps its error.
  if (db_.InTransaction() && db_.TotalChanges() == changes) return;
  if (db_.InTransaction()) (void)db_.Exec("ROLLBACK");
  RolledBack(true);
  begun = Begin();
  savepoints_ = true;
  if (!begun) return;
  for (auto& earlier : applied) ApplyInSavepoint(earlier);
}

void GroupCommitter::ApplyInSavepoint(WriteTask& task) {
  (void)db_.Prepare("SAVEPOINT w").Run();
  if (!task.apply(db_)) {
    (void)db_.Prepare("ROLLBACK TO w").Run();
    RolledBack(false);
  }
  (void)db_.Prepare("RELEASE w").Run();
}

void GroupCommitter::Commit(std::deque<WriteTask>& batch, const core::Status& begun) {
  core::Status committed = begun;
  if (begun && sync_failed_.load()) {  // failed while the batch was applied
    committed = SyncFailed();
    (void)db_.Exec("ROLLBACK");
    RolledBack(true);
  } else if (begun) {
    if (options_.before_commit) options_.before_commit(db_);
    committed = db_.Prepare("COMMIT").Run();
    writes_.fetch_add(batch.size(), std::memory_order_relaxed);
    if (committed) {
      commits_.fetch_add(1, std::memory_order_relaxed);
      if (options_.after_commit) options_.after_commit();
    }
    if (!committed) {
      spdlog::error("store: commit failed: {}", committed.error().detail);
      (void)db_.Exec("ROLLBACK");
      RolledBack(true);
    }
  }
  if (!committed) return Finish(batch, committed);
  bool by_writer;
  {
    std::lock_guard lock(mu_);
    by_writer = sync_idle_ && batch.size() <= options_.writer_sync_max;
    if (!by_writer) sync_idle_ = false;
  }
  if (by_writer) return Finish(batch, Sync());
  {
    std::lock_guard lock(sync_mu_);
    committed_.push_back(std::move(batch));
  }
  sync_cv_.notify_one();
}

void GroupCommitter::Finish(std::deque<WriteTask>& batch, const core::Status& durable) {
  for (auto& task : batch) task.finish(durable);
}

void GroupCommitter::RolledBack(bool batch) {
  if (options_.on_rollback) options_.on_rollback(batch);
}

bool GroupCommitter::SyncWal() {
  if (options_.wal_path.empty()) return true;  // commits were synced by SQLite itself
  // Opened once, after the first commit created it. The WAL keeps its inode while the writer's
  // connection is open (SQLite removes it only when the last connection closes).
  if (wal_fd_ < 0) wal_fd_ = open(options_.wal_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (wal_fd_ < 0) {
    spdlog::error("store: cannot open {}", options_.wal_path);
    return false;
  }
  if (fdatasync(wal_fd_) != 0) {
    spdlog::critical("store: fdatasync of {} failed ({}): refusing writes until restart",
                     options_.wal_path, std::strerror(errno));
    return false;
  }
  return true;
}

// Runs on the syncer, or on the writer while the syncer waits for a batch: never on both at once.
core::Status GroupCommitter::Sync() {
  syncs_.fetch_add(1, std::memory_order_relaxed);
  if (!sync_failed_.load() && SyncWal()) return {};
  sync_failed_.store(true);
  return core::Fail(core::ErrorCode::kUnavailable,
                    "the disk failed to sync the write: writes are refused until hookd restarts");
}

void GroupCommitter::SyncLoop() {
  std::vector<std::deque<WriteTask>> ready;
  for (;;) {
    {
      std::unique_lock lock(sync_mu_);
      sync_cv_.wait(lock, [&] { return writer_done_ || !committed_.empty(); });
      if (committed_.empty()) return;  // writer finished and everything is synced
      ready.swap(committed_);
    }
    auto durable = Sync();  // covers every batch committed before it started
    {
      std::lock_guard lock(mu_);  // the writer may commit the next batch now
      sync_idle_ = true;
    }
    cv_.notify_one();
    for (auto& batch : ready) Finish(batch, durable);
    ready.clear();
  }
}

}  // namespace hookd::store::sqlite
