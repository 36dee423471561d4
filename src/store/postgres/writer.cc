#include "store/postgres/writer.h"

#include <algorithm>

#include "core/thread_setup.h"
#include "store/postgres/listener.h"
#include "store/postgres/pool.h"

namespace hookd::store::postgres {

Writer::Writer(std::string url, Health& health, WriterOptions options)
    : url_(std::move(url)), health_(health), options_(std::move(options)) {}

Writer::~Writer() { Stop(); }

void Writer::Start(std::unique_ptr<Conn> conn) {
  conn_ = std::move(conn);
  pid_ = conn_ ? conn_->backend_pid() : 0;
  thread_ = std::thread([this] {
    core::SetUpThisThread("hookd-writer");
    Loop();
  });
}

void Writer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  conn_.reset();
}

bool Writer::Submit(WriteTask task) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    queue_.push_back(std::move(task));
    // The writer waits for the first write, then lingers until the batch is full.
    wake = queue_.size() == 1 || queue_.size() >= options_.max_batch;
  }
  if (wake) cv_.notify_one();
  return true;
}

void Writer::Loop() {
  std::deque<WriteTask> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      if (queue_.size() < options_.max_batch && options_.linger.count() > 0 && !stopping_) {
        cv_.wait_for(lock, options_.linger,
                     [&] { return stopping_ || queue_.size() >= options_.max_batch; });
      }
      size_t n = std::min(queue_.size(), options_.max_batch);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitBatch(batch);
    batch.clear();
    MaybeMaintain();
  }
}

void Writer::CommitBatch(std::deque<WriteTask>& batch) {
  if (!conn_ || conn_->broken()) {
    conn_.reset();
    pid_ = 0;
    if (auto c = Connect(url_, health_)) {
      conn_ = std::move(*c);
      pid_ = conn_->backend_pid();
    }
  }
  bool made_due = false;
  bool committed = conn_ && Apply(batch, made_due);
  writes_.fetch_add(batch.size(), std::memory_order_relaxed);
  if (committed) commits_.fetch_add(1, std::memory_order_relaxed);
  for (auto& task : batch) task.finish(committed);
  if (committed && made_due && options_.made_due) options_.made_due();
}

bool Writer::Abort() {
  if (!conn_->broken()) (void)conn_->ExecScript("ROLLBACK");
  return false;
}

bool Writer::Apply(std::deque<WriteTask>& batch, bool& made_due) {
  static const Query kBegin{"BEGIN", {}}, kSavepoint{"SAVEPOINT w", {}},
      kRelease{"RELEASE SAVEPOINT w", {}}, kRollBackTo{"ROLLBACK TO SAVEPOINT w", {}},
      kNotify{kNotifyDue, {}}, kCommit{"COMMIT", {}};
  const size_t n = batch.size();
  bool notify = false;
  for (const auto& task : batch) notify = notify || task.notify;
  std::vector<const Query*> queries;
  // Each turn is one pipeline: the next `chunk` writes, and COMMIT after the last. A failed
  // write ends the turn (the server skips the rest); the next turn first rolls it back. Turns
  // shrink where failures are dense (the writes after a failure are sent again) and grow again.
  size_t chunk = n;
  bool begun = false;
  bool failed = false;
  std::vector<char> rolled_back(n, 0);
  std::vector<Query> stats;  // of the last turn: every write before it applied or rolled back
  for (size_t from = 0;;) {
    const size_t end = std::min(n, from + chunk);
    queries.clear();
    if (!begun) queries.push_back(&kBegin);
    if (failed) {
      queries.push_back(&kRollBackTo);
      queries.push_back(&kRelease);
    }
    for (size_t i = from; i < end; ++i) {
      queries.push_back(&kSavepoint);
      for (const auto& q : batch[i].queries) queries.push_back(&q);
      queries.push_back(&kRelease);
    }
    if (end == n) {
      stats = StatsQueries(batch, rolled_back);
      for (const auto& q : stats) queries.push_back(&q);
      if (notify) queries.push_back(&kNotify);
      queries.push_back(&kCommit);
    }
    // An unknown outcome (the connection failed, maybe during COMMIT) is reported as failed.
    auto results = conn_->Pipeline(queries);
    if (!results) return false;
    size_t pos = 0;
    auto ok = [&] { return (*results)[pos++].has_value(); };
    if ((!begun && !ok()) || (failed && (!ok() || !ok()))) return Abort();
    begun = true;
    failed = false;
    const size_t turn = from;
    for (size_t i = from; i < end && !failed; ++i) {
      if (!ok()) return Abort();  // SAVEPOINT
      Result<std::vector<Rows>> rows = std::vector<Rows>();
      for (size_t q = 0; q < batch[i].queries.size(); ++q) {
        auto& r = (*results)[pos++];
        if (!rows) continue;
        if (r) {
          rows->push_back(std::move(*r));
        } else {
          rows = std::unexpected(r.error());
        }
      }
      failed = !rows.has_value();
      rolled_back[i] = failed;
      auto verdict = batch[i].check(std::move(rows));
      made_due = made_due || verdict == Verdict::kMadeDue;
      if (!failed && !ok()) return Abort();  // RELEASE
      from = i + 1;
    }
    if (failed) {
      chunk = std::max<size_t>(8, 2 * (from - turn));
      continue;
    }
    if (end < n) {
      chunk *= 2;
      continue;
    }
    for (size_t i = 0; i < stats.size(); ++i)
      if (!ok()) return Abort();
    if (notify && !ok()) return Abort();
    // COMMIT of a failed transaction answers ROLLBACK.
    const auto& commit = (*results)[pos];
    if (!commit || commit->command() != "COMMIT") return Abort();
    return true;
  }
}

std::vector<Query> Writer::StatsQueries(const std::deque<WriteTask>& batch,
                                        const std::vector<char>& rolled_back) const {
  if (!options_.stats_queries) return {};
  StatsBatch stats;
  for (size_t i = 0; i < batch.size(); ++i)
    if (!rolled_back[i] && batch[i].counted) stats.Add(*batch[i].counted);
  if (stats.empty()) return {};
  return options_.stats_queries(stats.Take());
}

void Writer::MaybeMaintain() {
  auto now = std::chrono::steady_clock::now();
  if (!options_.maintenance || !conn_ || conn_->broken() ||
      now - last_maintenance_ < options_.maintenance_interval)
    return;
  last_maintenance_ = now;
  options_.maintenance(*conn_);
}

}  // namespace hookd::store::postgres
