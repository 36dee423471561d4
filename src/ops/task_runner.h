// Runs background tasks (replay-missing, bulk-replay, recover): claims a running task from the
// store under a lease, steps through it (each step one commit of at most `step` deliveries made
// due), and finishes it with background_task.finished. Any node may run any task; after a crash
// the lease runs out and another node (or this one, restarted) goes on from the task's cursor.
// Between tasks and task steps it also starts the recovery probes that are due
// (DeliveryStore::StartProbes) and runs the completion check (BatchStore::CheckCompletions).
//
// Threading: one thread of its own, which waits for the store (it is not an event loop). Public
// methods are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "store/store.h"

namespace hookd::ops {

struct TaskRunnerOptions {
  std::chrono::seconds lease{30};             // a claim on a task, renewed by every step
  size_t step = 1000;                         // deliveries made due per commit
  std::chrono::milliseconds idle_poll{1000};  // how often an idle runner looks for tasks
  size_t completion_batch = 500;              // queued completion checks per commit
};

class TaskRunner {
 public:
  TaskRunner(store::Store& store, const core::Clock& clock, TaskRunnerOptions options);
  ~TaskRunner();  // Stop()

  void Start();
  // Stops after the current step; a task under way stays running (its lease runs out).
  void Stop();
  // A task was created: look now instead of at the next poll.
  void Wake();

 private:
  void Run();
  // Starts the due recovery probes, then checks queued completions until none is left.
  void Housekeep();
  // Runs `task` to its end, or until a step fails or the runner stops.
  void RunTask(store::BackgroundTask task);
  bool Stopping();

  store::Store& store_;
  const core::Clock& clock_;
  TaskRunnerOptions options_;
  std::string node_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace hookd::ops
