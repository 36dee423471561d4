#include "store/sqlite/lease_table.h"

#include <filesystem>
#include <map>

namespace hookd::store::sqlite {
namespace {
using Steady = std::chrono::steady_clock;
// No read of the store takes this long; an end marker older than it protects nothing.
constexpr auto kEndMarkerLife = std::chrono::seconds(5);
}  // namespace

std::shared_ptr<LeaseTable> LeaseTable::For(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<LeaseTable>> tables;
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(path, ec).string();
  if (ec) canonical = path;
  std::lock_guard lock(mu);
  auto& slot = tables[canonical];
  auto table = slot.lock();
  if (!table) {
    table = std::make_shared<LeaseTable>();
    slot = table;
  }
  return table;
}

bool LeaseTable::TryClaim(const std::string& key, const std::string& node, uint64_t read_seq,
                          core::TimePoint now, core::TimePoint until) {
  std::lock_guard lock(mu_);
  ForgetEnded();
  auto [it, fresh] = leases_.try_emplace(key);
  Lease& l = it->second;
  if (!fresh) {
    if (!l.node.empty() && now < l.until) return false;
    if (l.node.empty() && read_seq < l.ended_seq) return false;  // a read from before the end
  }
  l = Lease{node, until, 0, {}};
  return true;
}

bool LeaseTable::HeldByOther(const std::string& key, const std::string& node) {
  std::lock_guard lock(mu_);
  auto it = leases_.find(key);
  return it != leases_.end() && !it->second.node.empty() && it->second.node != node;
}

bool LeaseTable::Held(const std::string& key, core::TimePoint now) {
  std::lock_guard lock(mu_);
  auto it = leases_.find(key);
  return it != leases_.end() && !it->second.node.empty() && now < it->second.until;
}

void LeaseTable::End(const std::string& key) {
  std::lock_guard lock(mu_);
  leases_[key] = Lease{"", {}, seq_.fetch_add(1, std::memory_order_acq_rel) + 1, Steady::now()};
}

void LeaseTable::Release(const std::string& key, const std::string& node) {
  std::lock_guard lock(mu_);
  auto it = leases_.find(key);
  if (it != leases_.end() && it->second.node == node) leases_.erase(it);
}

std::pair<int64_t, int> LeaseTable::Renew(const std::string& node, core::TimePoint now,
                                          core::TimePoint until) {
  std::lock_guard lock(mu_);
  ForgetEnded();
  nodes_[node] = until;
  std::erase_if(nodes_, [&](const auto& n) { return n.first != node && n.second <= now; });
  int live = static_cast<int>(nodes_.size());
  int64_t held = 0;
  for (auto& [key, l] : leases_) {
    if (l.node != node || l.until <= now) continue;
    l.until = until;
    ++held;
  }
  return {held, live};
}

void LeaseTable::ForgetEnded() {
  auto now = Steady::now();
  if (now - last_sweep_ < kEndMarkerLife) return;
  last_sweep_ = now;
  std::erase_if(leases_, [&](const auto& entry) {
    return entry.second.node.empty() && now - entry.second.ended_at > kEndMarkerLife;
  });
}

}  // namespace hookd::store::sqlite
