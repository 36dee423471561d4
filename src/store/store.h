// The store: hookd's source of truth, one interface per aggregate. Implementations: sqlite
// (embedded, one process), postgres (shared by several nodes).
//
// Contracts
// - Reads are thread-safe, may be called from any thread and never wait behind the writer. They
//   may block: event loops (the delivery engine) use only the asynchronous calls.
// - Writes are asynchronous and group-committed: concurrent writes share one transaction and one
//   durable commit. `done` runs exactly once, on a store thread, after the write is durable (or
//   has failed); it must not block. Each write is atomic on its own: a failed write leaves no trace
//   and does not affect others in the same batch.
// - A write that carries an IdempotencyRecord stores it atomically with its effect. If the
//   (scope, key) is already recorded, nothing is written and the write fails with
//   kIdempotencyTaken; the caller then reads the record and replays it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "store/alert_store.h"
#include "store/app_store.h"
#include "store/batch_store.h"
#include "store/delivery_store.h"
#include "store/endpoint_store.h"
#include "store/event_type_store.h"
#include "store/inbox_store.h"
#include "store/message_store.h"
#include "store/stats_store.h"
#include "store/task_store.h"
#include "store/token_store.h"

namespace hookd::store {

// Counters since start, for metrics and tests.
struct StoreStats {
  uint64_t writes = 0;            // writes applied (committed or rolled back individually)
  uint64_t commits = 0;           // transactions; writes/commits is the mean group size
  uint64_t syncs = 0;             // disk syncs acknowledging commits; one may cover several
                                  // (where a commit is durable when it returns: one each)
  uint64_t outcomes_refused = 0;  // outcomes not recorded: another node held the delivery
};

class Store : public AppStore,
              public EventTypeStore,
              public EndpointStore,
              public MessageStore,
              public DeliveryStore,
              public StatsStore,
              public TaskStore,
              public AlertStore,
              public BatchStore,
              public InboxStore,
              public TokenStore {
 public:
  ~Store() override = default;

  // Opens the database and applies pending migrations. Must succeed before any other call.
  virtual Status Init() = 0;
  // Finishes queued writes and closes. Writes submitted afterwards fail with kUnavailable.
  virtual void Close() = 0;

  virtual StoreStats Stats() const = 0;
  // `done` runs once every write committed before this call is durable (readers may see a
  // commit slightly before that).
  virtual void Barrier(Done<void> done) = 0;
};

// Tuning shared by implementations.
struct StoreOptions {
  size_t commit_max_batch = 1024;  // writes per group commit
  int commit_linger_us = 0;        // how long the writer waits to fill a batch
};

// Picks the implementation by URL scheme: "sqlite:///abs/path.db", "sqlite://relative.db", or
// "postgres://user:password@host:port/db?sslmode=..." (also "postgresql://").
// The returned store is not yet initialised.
Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const core::Clock& clock,
                                         StoreOptions options = {});

// The database path of a "sqlite://PATH" URL; empty for any other URL.
std::string SqlitePath(std::string_view url);

// Blocks until a write completes; for CLI commands and tests, never on request paths.
template <class T, class F>
Result<T> Wait(F&& submit);

}  // namespace hookd::store

#include "store/store_wait.h"
