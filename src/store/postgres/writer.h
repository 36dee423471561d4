// The single writer thread of the PostgreSQL store: group commit. Queued writes are applied in
// batches, one transaction per batch, each write in its own savepoint; a write is reported done
// only after COMMIT succeeded. A batch costs two round trips (libpq pipeline mode): its
// statements all at once, then COMMIT; a write that fails is rolled back alone (ROLLBACK TO its
// savepoint) and the writes after it run again, one more round trip each time. Internal to
// store/postgres.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/postgres/conn.h"
#include "store/postgres/health.h"

namespace hookd::store::postgres {

enum class Verdict { kRollBack, kApplied, kMadeDue };

struct WriteTask {
  std::vector<Query> queries;
  // Runs on the writer thread with the queries' results (or the first error among them) and
  // decides the write: kRollBack undoes it alone; kMadeDue: it made deliveries due. May run
  // more than once (when an earlier write of the batch rolls back, the later ones run again), so
  // it only overwrites state of its own.
  std::function<Verdict(Result<std::vector<Rows>>)> check;
  // Runs once, on the writer thread: committed = the batch's COMMIT succeeded (false also when
  // its outcome is unknown).
  std::function<void(bool committed)> finish;
};

struct WriterOptions {
  size_t max_batch = 1024;
  // After the first write arrives, wait up to this long for more while the batch is small.
  std::chrono::microseconds linger{200};
  // Runs on the writer thread at most once per interval, between batches.
  std::function<void(Conn&)> maintenance;
  std::chrono::seconds maintenance_interval{60};
  // Runs on the writer thread after a committed batch that made deliveries due (after the
  // writes' finish). The batch also sent NOTIFY hookd_due in its transaction.
  std::function<void()> made_due;
};

class Writer {
 public:
  Writer(std::string url, Health& health, WriterOptions options);
  ~Writer();  // calls Stop()

  // Starts the thread on `conn` (reconnects when it breaks).
  void Start(std::unique_ptr<Conn> conn);
  // Applies everything queued, then joins. Later Submit() calls return false.
  void Stop();
  // False when stopped (the task is not run).
  bool Submit(WriteTask task);

  uint64_t writes() const { return writes_.load(std::memory_order_relaxed); }
  uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }
  // The backend pid of the writer's connection (0: none): its notifications are its own.
  int backend_pid() const { return pid_.load(std::memory_order_relaxed); }

 private:
  void Loop();
  void CommitBatch(std::deque<WriteTask>& batch);
  // Runs the batch in one transaction; true when COMMIT succeeded. `made_due`: a write made
  // deliveries due.
  bool Apply(std::deque<WriteTask>& batch, bool& made_due);
  bool Abort();  // rolls back the open transaction, if the connection lives; returns false
  void MaybeMaintain();

  std::string url_;
  Health& health_;
  WriterOptions options_;
  std::unique_ptr<Conn> conn_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WriteTask> queue_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point last_maintenance_ = std::chrono::steady_clock::now();
  std::thread thread_;
  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> commits_{0};
  std::atomic<int> pid_{0};
};

}  // namespace hookd::store::postgres
