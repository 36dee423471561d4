// What every handler needs: the store, the clock, settings and metrics. Owned by ApiService.
#pragma once

#include <chrono>
#include <string>

#include "api/http.h"
#include "api/metrics.h"
#include "api/ttl_cache.h"
#include "core/clock.h"
#include "delivery/engine.h"
#include "ops/task_runner.h"
#include "store/store.h"

namespace hookd::api {

struct ApiOptions {
  std::string admin_token_hash;  // SHA-256 hex of the configured admin token; empty: none
  std::chrono::seconds idempotency_ttl{12 * 3600};
  std::chrono::seconds secret_rotation_grace{24 * 3600};
  std::string public_url;  // base of sources' ingestUrl; empty: http://<the request's Host>
};

struct ApiContext {
  store::Store& store;
  const core::Clock& clock;
  ApiOptions options;
  Metrics& metrics;
  delivery::Engine* engine = nullptr;  // null when delivery is off
  ops::TaskRunner* tasks = nullptr;    // woken when a task is created (null: it polls)
  // Applications by id and uid, briefly: nearly every request resolves one. Cleared whenever
  // this node changes an application; other nodes' changes show within the TTL.
  TtlCache<core::App> apps{std::chrono::seconds(2), 10000};
  // Token hash -> principal, so authentication does not read the store per request. Cleared
  // when an app (and so its tokens) is deleted here.
  TtlCache<Principal> tokens{std::chrono::seconds(5), 10000};
  // Source URL token -> source, so receiving does not read the store per request. Cleared when
  // this node changes a source; other nodes' changes show within the TTL.
  TtlCache<core::Source> sources{std::chrono::seconds(2), 10000};
};

}  // namespace hookd::api
