#include "cli/stop_signals.h"

#include <signal.h>

#include <cerrno>
#include <ctime>

namespace hookd::cli {
namespace {

sigset_t StopSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void BlockStopSignals() {
  sigset_t set = StopSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

bool WaitForStop(std::chrono::milliseconds timeout) {
  sigset_t set = StopSet();
  if (timeout.count() < 0) {
    int sig = 0;
    return sigwait(&set, &sig) == 0;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    timespec ts{static_cast<time_t>(left.count() / 1'000'000'000),
                static_cast<long>(left.count() % 1'000'000'000)};
    if (sigtimedwait(&set, nullptr, &ts) >= 0) return true;
    if (errno != EINTR) return false;  // EAGAIN: the time is up
  }
}

bool StopRequested() {
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  return sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1;
}

}  // namespace hookd::cli
