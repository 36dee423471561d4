// The writer's copy of what the fan-out of every new message reads: each app's endpoints (id,
// disabled, filters) and each event type's expects_reply. Loaded on first use and dropped whole
// (Clear) when a write changes endpoints, event types or apps (the store's triggers on the
// writer's connection report it) or when a write rolls back, so it always equals what the
// writer's transaction would read. Writer thread only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/sqlite/db.h"

namespace hookd::store::sqlite {

class RoutingCache {
 public:
  struct Endpoint {
    std::string id;
    bool disabled = false;
    std::optional<std::vector<std::string>> event_types, channels;  // null: any
  };

  // The app's endpoints that fan-out may pick (not ephemeral), in id order.
  core::Result<const std::vector<Endpoint>*> Endpoints(Db& db, const std::string& app_id);
  core::Result<bool> ExpectsReply(Db& db, const std::string& event_type);
  void Clear();

 private:
  std::unordered_map<std::string, std::vector<Endpoint>> apps_;
  std::unordered_map<std::string, bool> expects_reply_;
};

// What kSubscribes says in SQL: `e` takes messages of `event_type` on `channels`.
bool Subscribes(const RoutingCache::Endpoint& e, std::string_view event_type,
                const std::optional<std::vector<std::string>>& channels);

}  // namespace hookd::store::sqlite
