// The single writer thread of the SQLite store. Queued writes are applied in batches: one
// transaction and one durable commit per batch, each write in its own savepoint.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "store/sqlite/db.h"

namespace hookd::store::sqlite {

struct WriteTask {
  // Runs on the writer thread inside the batch transaction. Returns false to roll back this write.
  std::function<bool(Db&)> apply;
  // Runs on the writer thread after the batch is durable (committed=true) or has failed.
  std::function<void(bool committed)> finish;
};

struct GroupCommitOptions {
  size_t max_batch = 1024;
  // After the first write arrives, wait up to this long for more while the batch is small.
  std::chrono::microseconds linger{200};
  // Runs on the writer thread in its own transaction at most once per interval, between batches.
  std::function<void(Db&)> maintenance;
  std::chrono::seconds maintenance_interval{60};
};

class GroupCommitter {
 public:
  GroupCommitter(Db& db, GroupCommitOptions options);
  ~GroupCommitter();  // calls Stop()

  void Start();
  // Applies everything queued, then joins the thread. Later Submit() calls return false.
  void Stop();
  // False when stopped (the task is not run).
  bool Submit(WriteTask task);

  uint64_t writes() const { return writes_.load(std::memory_order_relaxed); }
  uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }

 private:
  void Loop();
  void CommitBatch(std::deque<WriteTask>& batch);
  void MaybeMaintain();

  Db& db_;
  GroupCommitOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WriteTask> queue_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point last_maintenance_ = std::chrono::steady_clock::now();
  std::thread thread_;
  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> commits_{0};
};

}  // namespace hookd::store::sqlite
