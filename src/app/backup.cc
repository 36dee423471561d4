#include "app/backup.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "store/backup.h"
#include "store/store.h"

namespace hookd::app {

int RunBackup(const Config& config, const std::string& dest) {
  std::string path = store::SqlitePath(config.store);
  if (path.empty()) {
    std::fprintf(stderr,
                 "hookd backup copies SQLite stores (sqlite://PATH) only, not %s. Back up a"
                 " PostgreSQL store with pg_dump, e.g. pg_dump -Fc -f hookd.dump 'URL'\n",
                 config.store.c_str());
    return 2;
  }
  bool tty = isatty(STDERR_FILENO);
  store::BackupProgress last;
  auto start = std::chrono::steady_clock::now();
  auto s = store::BackupSqlite(path, dest, [&](const store::BackupProgress& p) {
    last = p;
    if (tty)
      std::fprintf(stderr, "\r%lld/%lld pages", static_cast<long long>(p.pages_done),
                   static_cast<long long>(p.pages_total));
  });
  if (tty) std::fprintf(stderr, "\n");
  if (!s) {
    std::fprintf(stderr, "hookd backup: %s\n", s.error().detail.c_str());
    return 1;
  }
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::printf("backed up %s to %s (%lld pages) in %.1f s\n", path.c_str(), dest.c_str(),
              static_cast<long long>(last.pages_total), took.count());
  return 0;
}

}  // namespace hookd::app
