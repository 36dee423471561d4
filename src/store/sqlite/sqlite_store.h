// Embedded SQLite store: WAL, synchronous=FULL, foreign keys, one group-committing writer thread
// and a pool of read-only connections (readers never wait behind the writer).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "store/store.h"

namespace hookd::store::sqlite {

struct SqliteOptions {
  std::string path;         // database file; parent directory is created
  size_t max_batch = 1024;  // writes per commit
  int linger_us = 0;        // writer waits this long to fill a batch
  bool durable = true;      // acknowledge only durable writes; false: throwaway stores
  // The writer's housekeeping (expired records, statistics roll-up), at most this often.
  std::chrono::seconds maintenance_interval{60};
};

std::unique_ptr<Store> MakeSqliteStore(SqliteOptions options, const core::Clock& clock);

}  // namespace hookd::store::sqlite
