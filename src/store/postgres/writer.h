// The single writer thread of the PostgreSQL store: group commit. Queued writes are applied in
// batches, one transaction per batch, each write in its own savepoint; a write is reported done
// only after COMMIT succeeded. A batch is one pipeline (libpq pipeline mode), so it normally costs
// one round trip: BEGIN, each write as SAVEPOINT w, its statements, RELEASE w, then COMMIT. A write
// fails only by a statement error (post-conditions raise one, see hookd_fail in migrations.cc):
// the server then skips the rest of the pipeline, and the next round trip rolls that write back
// alone (ROLLBACK TO w) and sends the writes after it and COMMIT again. Internal to
// store/postgres.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/postgres/conn.h"
#include "store/postgres/health.h"
#include "store/stats_store.h"

namespace hookd::store::postgres {

// How a write went: rolled back (one of its statements failed), applied, or applied and made
// deliveries due.
enum class Verdict { kRolledBack, kApplied, kMadeDue };

struct WriteTask {
  std::vector<Query> queries;
  // The batch sends NOTIFY hookd_due with its COMMIT (the write may make deliveries due).
  bool notify = false;
  // Runs once on the writer thread with the queries' results, or the first error among them
  // (then the write is rolled back alone). Returns kRolledBack exactly for an error.
  std::function<Verdict(Result<std::vector<Rows>>)> check;
  // Runs once, on the writer thread: committed = the batch's COMMIT succeeded (false also when
  // its outcome is unknown).
  std::function<void(bool committed)> finish;
  // Statistics the write counts when it is applied (stats_store.h).
  std::optional<StatsBatch::Row> counted;
};

struct WriterOptions {
  size_t max_batch = 1024;
  // After the first write arrives, wait up to this long for more while the batch is small.
  std::chrono::microseconds linger{0};
  // Runs on the writer thread at most once per interval, between batches.
  std::function<void(Conn&)> maintenance;
  std::chrono::seconds maintenance_interval{60};
  // The statements that write what the batch's applied writes counted, sent just before its
  // COMMIT (one of them failing fails the batch).
  std::function<std::vector<Query>(std::vector<StatsBatch::Row>)> stats_queries;
  // Runs on the writer thread after a committed batch that made deliveries due (after the
  // writes' finish).
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
  // The statistics of the batch's writes that are not rolled back (before the last turn: the
  // last turn's are all assumed applied, and when one is not the turn ends before them).
  std::vector<Query> StatsQueries(const std::deque<WriteTask>& batch,
                                  const std::vector<char>& rolled_back) const;
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
