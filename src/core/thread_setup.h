// Every hookd thread calls SetUpThisThread first.
#pragma once

#include <pthread.h>
#include <sched.h>

namespace hookd::core {

// Names the calling thread (shown by top -H, perf, gdb; Linux keeps 15 bytes) and schedules it as
// SCHED_BATCH. hookd's threads hand work to one another (http → writer → syncer → delivery →
// writer), and a thread that wakes the next usually has more to hand over before it waits. As
// SCHED_BATCH a woken thread does not preempt the thread that woke it; it runs on an idle CPU or
// when the waker waits. That saves a pair of context switches per hand-off under load; the
// thread's CPU share (its nice value) is unchanged. Where the policy cannot be set (a sandbox
// forbidding sched_setscheduler), the thread keeps its policy.
inline void SetUpThisThread(const char* name) {
  pthread_setname_np(pthread_self(), name);
  sched_param param{};
  pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);
}

}  // namespace hookd::core
