#include "ops/task_runner.h"

#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "core/ops_events.h"
#include "core/thread_setup.h"

namespace hookd::ops {

TaskRunner::TaskRunner(store::Store& store, const core::Clock& clock, TaskRunnerOptions options)
    : store_(store), clock_(clock), options_(options), node_(core::NewId("node")) {}

TaskRunner::~TaskRunner() { Stop(); }

void TaskRunner::Start() {
  thread_ = std::thread([this] {
    core::SetUpThisThread("hookd-tasks");
    Run();
  });
}

void TaskRunner::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TaskRunner::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

bool TaskRunner::Stopping() {
  std::lock_guard lock(mu_);
  return stopping_;
}

void TaskRunner::Run() {
  while (!Stopping()) {
    Housekeep();
    auto now = clock_.Now();
    auto claimed = store::Wait<std::optional<store::BackgroundTask>>(
        [&](store::Done<std::optional<store::BackgroundTask>> done) {
          store_.ClaimTask(node_, now, now + options_.lease, std::move(done));
        });
    if (!claimed) spdlog::warn("tasks: claiming failed: {}", claimed.error().detail);
    if (claimed && *claimed) {
      RunTask(std::move(**claimed));
      continue;  // there may be more
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, options_.idle_poll, [this] { return stopping_ || woken_; });
    woken_ = false;
  }
}

void TaskRunner::Housekeep() {
  auto probes = store::Wait<int64_t>(
      [&](store::Done<int64_t> done) { store_.StartProbes(clock_.Now(), std::move(done)); });
  if (!probes) spdlog::warn("tasks: starting recovery probes failed: {}", probes.error().detail);
  const auto limit = options_.completion_batch;
  while (!Stopping()) {
    auto taken = store::Wait<int64_t>([&](store::Done<int64_t> done) {
      store_.CheckCompletions(clock_.Now(), limit, std::move(done));
    });
    if (!taken) spdlog::warn("tasks: completion check failed: {}", taken.error().detail);
    if (!taken || *taken < static_cast<int64_t>(limit)) return;
  }
}

void TaskRunner::RunTask(store::BackgroundTask task) {
  while (!Stopping()) {
    Housekeep();
    auto now = clock_.Now();
    auto step = store::Wait<store::TaskStep>([&](store::Done<store::TaskStep> done) {
      store_.StepTask(task, node_, now, now + options_.lease, options_.step, std::move(done));
    });
    if (!step) {
      spdlog::warn("tasks: {} stopped: {}", task.id, step.error().detail);
      return;  // its lease runs out; it goes on from its cursor
    }
    task = std::move(step->task);
    if (!step->at_end) continue;
    auto finished = core::BackgroundTaskFinishedEvent(
        task.app_id, task.id, store::TaskKindName(task.kind),
        store::TaskStatusName(store::TaskStatus::kFinished), task.sent, core::NewId("msg", clock_));
    auto s = store::Wait<void>([&](store::Done<void> done) {
      store_.FinishTask(task, node_, clock_.Now(), std::move(finished), std::move(done));
    });
    if (!s) spdlog::warn("tasks: finishing {} failed: {}", task.id, s.error().detail);
    return;
  }
}

}  // namespace hookd::ops
