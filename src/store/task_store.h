// Background tasks (Svix's shape): replay-missing, bulk-replay and recover of one endpoint. A task
// is durable: any node claims a running task under a lease and steps through it, each step one
// commit that makes a bounded number of deliveries due and moves the task's cursor, so a task
// survives restarts and never holds its set in memory.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/common.h"

namespace hookd::store {

// kAppStats ("application.stats") is finished when it is created, with its result.
enum class TaskKind { kReplayMissing, kBulkReplay, kRecover, kAppStats };
enum class TaskStatus { kRunning, kFinished, kFailed };

// Svix's names: "endpoint.replay", "endpoint.bulk-replay", "endpoint.recover", "application.stats".
const char* TaskKindName(TaskKind kind);
std::optional<TaskKind> ParseTaskKind(std::string_view name);
const char* TaskStatusName(TaskStatus status);
std::optional<TaskStatus> ParseTaskStatus(std::string_view name);

// What a task goes through: one endpoint's messages created in [since, until).
struct TaskSpec {
  std::string endpoint_id;
  core::TimePoint since{};
  std::optional<core::TimePoint> until;
  // bulk-replay filters (unset: no filter). recover is bulk-replay of failed deliveries.
  std::vector<std::string> event_types;
  std::optional<std::string> channel;
  std::optional<std::string> tag;
  std::optional<core::DeliveryStatus> status;
  std::optional<int> status_code_class;  // of any attempt: 0 (no response), 100 ... 500
};

struct BackgroundTask {
  std::string id;  // "qtask_..."
  std::string app_id;
  TaskKind kind = TaskKind::kBulkReplay;
  TaskStatus status = TaskStatus::kRunning;
  TaskSpec spec;
  std::optional<std::string> cursor;  // the last message id gone through
  int64_t sent = 0;                   // deliveries made due so far
  core::TimePoint created_at{};
  core::TimePoint updated_at{};
  std::optional<std::string> result;  // JSON object text: what a finished kAppStats found
};

// Where a task's next step starts: message ids from `low` (inclusive; ids sort by creation time
// and never run behind the clock) and after `after` (the cursor). Messages are then picked by
// their creation time: since <= created_at < until.
struct TaskRange {
  std::string low, after;
  int64_t since_us = 0, until_us = 0;  // microseconds; until_us: INT64_MAX when unset
};
TaskRange RangeOf(const BackgroundTask& task);

struct TaskFilter {
  std::optional<std::string> app_id;  // unset: every app's
  std::optional<TaskStatus> status;
  std::optional<TaskKind> kind;
};

// What one step did.
struct TaskStep {
  BackgroundTask task;  // with the new cursor and count
  bool at_end = false;  // nothing is left after the cursor: finish the task
};

class TaskStore {
 public:
  virtual ~TaskStore() = default;
  virtual void CreateTask(BackgroundTask task, Idempotency idem, Done<BackgroundTask> done) = 0;
  virtual Result<BackgroundTask> GetTask(std::string_view id) = 0;
  virtual Result<Page<BackgroundTask>> ListTasks(const TaskFilter& filter,
                                                 const PageRequest& page) = 0;
  // Claims the oldest running task that no node holds under a valid lease (nullopt: none).
  virtual void ClaimTask(std::string node, core::TimePoint now, core::TimePoint lease_until,
                         Done<std::optional<BackgroundTask>> done) = 0;
  // One step of `task`, claimed by `node`: up to `limit` of its deliveries made due (manual
  // attempts; held ones stay held) after its cursor, the cursor and count moved on and the lease
  // extended to `lease_until`, in one commit. kLeaseLost when another node holds the task.
  virtual void StepTask(const BackgroundTask& task, std::string node, core::TimePoint now,
                        core::TimePoint lease_until, size_t limit, Done<TaskStep> done) = 0;
  // Ends `task` as finished and stores `finished` (background_task.finished) with it, once:
  // kLeaseLost when `node` no longer holds it or it is not running.
  virtual void FinishTask(const BackgroundTask& task, std::string node, core::TimePoint now,
                          core::OpsEvent finished, Done<void> done) = 0;
};

}  // namespace hookd::store
