// The claims thread's copies of the endpoints and apps that claims hand out, kept from claim to
// claim: SQLite drops a read connection's page cache whenever the writer commits, so reading
// them again for every claim costs page reads. The writer counts every change to endpoints and
// apps (the store's triggers on its connection) when it applies one and again once it has
// committed it; a claim that finds the count moved since the copies were read drops them all,
// so a copy read before a change committed never outlives it. Like RoutingCache, it relies on
// this store's writer being the only one to change endpoints and apps in its file. Ephemeral
// endpoints (one per callback message) are not kept.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/types.h"

namespace hookd::store::sqlite {

class ClaimCache {
 public:
  // Writer thread: a write changed an endpoint or app; then after each COMMIT.
  void Changed();
  void Committed();

  // Claims thread. At the start of a claim, before it reads anything.
  void Refresh();
  // The kept copy, or null.
  std::shared_ptr<const core::Endpoint> Endpoint(const std::string& app_id, const std::string& id);
  std::shared_ptr<const core::App> App(const std::string& id);
  void Keep(const std::shared_ptr<const core::Endpoint>& endpoint);
  void Keep(const std::shared_ptr<const core::App>& app);

 private:
  std::atomic<uint64_t> changes_{0};
  bool uncommitted_ = false;  // writer thread: a change applied, not yet counted as committed
  uint64_t seen_ = 0;         // claims thread: changes_ when the copies were read
  std::unordered_map<std::string, std::shared_ptr<const core::Endpoint>> endpoints_;
  std::unordered_map<std::string, std::shared_ptr<const core::App>> apps_;
};

}  // namespace hookd::store::sqlite
