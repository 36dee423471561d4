#include "store/sqlite/claim_cache.h"

namespace hookd::store::sqlite {
namespace {

constexpr size_t kMaxEntries = 10000;  // past this many the copies start again

}  // namespace

void ClaimCache::Changed() {
  uncommitted_ = true;
  changes_.fetch_add(1, std::memory_order_release);
}

void ClaimCache::Committed() {
  if (!uncommitted_) return;
  uncommitted_ = false;
  changes_.fetch_add(1, std::memory_order_release);
}

void ClaimCache::Refresh() {
  auto changes = changes_.load(std::memory_order_acquire);
  if (changes == seen_ && endpoints_.size() + apps_.size() < kMaxEntries) return;
  endpoints_.clear();
  apps_.clear();
  seen_ = changes;
}

std::shared_ptr<const core::Endpoint> ClaimCache::Endpoint(const std::string& app_id,
                                                           const std::string& id) {
  auto it = endpoints_.find(id);
  if (it == endpoints_.end() || it->second->app_id != app_id) return nullptr;
  return it->second;
}

std::shared_ptr<const core::App> ClaimCache::App(const std::string& id) {
  auto it = apps_.find(id);
  return it == apps_.end() ? nullptr : it->second;
}

void ClaimCache::Keep(const std::shared_ptr<const core::Endpoint>& endpoint) {
  if (!endpoint->ephemeral) endpoints_[endpoint->id] = endpoint;
}

void ClaimCache::Keep(const std::shared_ptr<const core::App>& app) { apps_[app->id] = app; }

}  // namespace hookd::store::sqlite
