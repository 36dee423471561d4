#include "app/file_budget.h"

#include <sys/resource.h>

#include <algorithm>

namespace hookd::app {

FileBudget ShareFiles(int64_t files, int64_t max_in_flight, int64_t max_connections) {
  int64_t spare = std::max<int64_t>(files - 64, 0);
  int64_t deliveries = std::min(2 * max_in_flight, spare / 2);
  FileBudget b;
  b.api_connections = std::min(max_connections, std::max<int64_t>(spare - deliveries, 16));
  b.connections_per_client = std::max<int64_t>(deliveries / 2, 1);
  b.lowered = b.api_connections < max_connections || b.connections_per_client < max_in_flight;
  return b;
}

int64_t RaiseFileLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised{lim.rlim_max, lim.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim.rlim_cur = lim.rlim_max;
  }
  return static_cast<int64_t>(std::min<rlim_t>(lim.rlim_cur, rlim_t{1} << 30));
}

}  // namespace hookd::app
