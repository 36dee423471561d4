// What every handler needs: the store, the clock, settings and metrics. Owned by ApiService.
#pragma once

#include <chrono>
#include <string>

#include "api/metrics.h"
#include "core/clock.h"
#include "delivery/engine.h"
#include "store/store.h"

namespace hookd::api {

struct ApiOptions {
  std::string admin_token_hash;  // SHA-256 hex of the configured admin token; empty: none
  std::chrono::seconds idempotency_ttl{12 * 3600};
  std::chrono::seconds secret_rotation_grace{24 * 3600};
};

struct ApiContext {
  store::Store& store;
  const core::Clock& clock;
  ApiOptions options;
  Metrics& metrics;
  delivery::Engine* engine = nullptr;  // null when delivery is off
};

}  // namespace hookd::api
