// How hookd shares its open files between the API's connections and outgoing deliveries.
#pragma once

#include <cstdint>

namespace hookd::app {

struct FileBudget {
  int64_t api_connections;         // the HTTP server's max_connections
  int64_t connections_per_client;  // for each of the delivery client's pools (plain, TLS)
  bool lowered = false;            // the limit left less than the configuration asked for
};

// With `files` open files allowed: 64 for the store, logs and the rest; then deliveries get up to
// half of what is left (as much as both pools holding max_in_flight each would use); the API gets
// the rest, at most max_connections (at least 16). The shares never overlap, so a full delivery
// pool cannot keep the API from accepting.
FileBudget ShareFiles(int64_t files, int64_t max_in_flight, int64_t max_connections);

// The soft open-file limit raised to the hard one; returns the limit in force.
int64_t RaiseFileLimit();

}  // namespace hookd::app
