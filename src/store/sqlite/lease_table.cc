#include "store/sqlite/lease_table.h"

#include <algorithm>
#include <filesystem>

namespace hookd::store::sqlite {

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
  auto [it, fresh] = leases_.try_emplace(key);
  Lease& l = it->second;
  if (!fresh) {
    if (!l.node.empty() && now < l.until) return false;
    if (l.node.empty() && read_seq < l.ended_seq) return false;  // a read from before the end
  }
  l = Lease{node, until, 0};
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

uint64_t LeaseTable::BeginRead(size_t n) {
  std::lock_guard lock(mu_);
  if (n > 0) reads_[seq_] += n;
  return seq_;
}

void LeaseTable::EndRead(uint64_t seq, size_t n) {
  std::lock_guard lock(mu_);
  auto it = reads_.find(seq);
  if (it == reads_.end()) return;
  if ((it->second -= std::min(n, it->second)) == 0) reads_.erase(it);
  ForgetEnded();
}

void LeaseTable::End(const std::string& key) {
  std::lock_guard lock(mu_);
  leases_[key] = Lease{"", {}, ++seq_};
  ended_.emplace_back(key, seq_);
  ForgetEnded();
}

void LeaseTable::Release(const std::string& key, const std::string& node) {
  std::lock_guard lock(mu_);
  auto it = leases_.find(key);
  if (it != leases_.end() && it->second.node == node) leases_.erase(it);
}

std::pair<int64_t, int> LeaseTable::Renew(const std::string& node, core::TimePoint now,
                                          core::TimePoint until) {
  std::lock_guard lock(mu_);
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

size_t LeaseTable::Size() {
  std::lock_guard lock(mu_);
  return leases_.size();
}

void LeaseTable::ForgetEnded() {
  // A marker refuses only reads that began before it (read_seq < ended_seq).
  uint64_t oldest = reads_.empty() ? seq_ : reads_.begin()->first;
  while (!ended_.empty() && ended_.front().second <= oldest) {
    auto& [key, ended_seq] = ended_.front();
    auto it = leases_.find(key);
    if (it != leases_.end() && it->second.node.empty() && it->second.ended_seq == ended_seq)
      leases_.erase(it);
    ended_.pop_front();
  }
}

}  // namespace hookd::store::sqlite
