// Online backup of a SQLite store to one file, safe while hookd serves from it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/error.h"

namespace hookd::store {

struct BackupProgress {
  int64_t pages_done = 0;
  int64_t pages_total = 0;
};

// Copies the SQLite database at `db_path` to `dest` with SQLite's backup API, a bounded number of
// pages per step, from one read snapshot (writers in other processes go on: the store runs in WAL
// mode, and their commits after the snapshot are not in the copy). The copy is a self-contained
// rollback-journal database written to a temporary file beside `dest` (mode 0600), synced and
// renamed over `dest`, so `dest` is either the old file or the complete copy. The source is opened
// read-only and never written; `dest` naming the database itself is refused. `progress` runs
// after each step.
core::Status BackupSqlite(const std::string& db_path, const std::string& dest,
                          const std::function<void(const BackupProgress&)>& progress = nullptr);

}  // namespace hookd::store
