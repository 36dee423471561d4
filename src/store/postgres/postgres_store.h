// The PostgreSQL store, shared by several hookd nodes: group-committed writes on one writer
// connection, reads from a pool of connections, claims with leases held in the deliveries
// table, and a LISTEN connection that wakes the claimant when other nodes make work due.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "store/store.h"

namespace hookd::store::postgres {

struct PostgresOptions {
  std::string url;          // postgres://user@host:port/db?sslmode=... (or postgresql://)
  size_t max_batch = 1024;  // writes per commit
  int linger_us = 0;        // writer waits this long to fill a batch
  // The writer's housekeeping (expired records, statistics roll-up), at most this often.
  std::chrono::seconds maintenance_interval{60};
};

std::unique_ptr<Store> MakePostgresStore(PostgresOptions options, const core::Clock& clock);

}  // namespace hookd::store::postgres
