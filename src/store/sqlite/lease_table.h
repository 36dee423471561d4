// In-memory claims of the SQLite store. SQLite is one process owning its file, so leases need no
// disk: every store object of the process on the same file shares one table (LeaseTable::For),
// and the claims of two such objects are disjoint. Internal to store/sqlite; thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/clock.h"

namespace hookd::store::sqlite {

class LeaseTable {
 public:
  // The table shared by every store of this process on `path`.
  static std::shared_ptr<LeaseTable> For(const std::string& path);

  // Reads of deliveries that may claim: a read takes its sequence number here before it reads
  // and gives it back once it will claim nothing more (`n` reads at once). An ended claim is
  // remembered only while a read in progress began before it ended.
  uint64_t BeginRead(size_t n = 1);
  void EndRead(uint64_t seq, size_t n = 1);
  // Claims `key` for `node` until `until` unless it is held under a valid lease (by any node,
  // `node` too), or the caller's read (read_seq from BeginRead) began before the claim last
  // ended.
  bool TryClaim(const std::string& key, const std::string& node, uint64_t read_seq,
                core::TimePoint now, core::TimePoint until);
  // Whether a node other than `node` holds `key` (an outcome of `node` must then be refused).
  bool HeldByOther(const std::string& key, const std::string& node);
  // Whether anyone holds `key` under a valid lease.
  bool Held(const std::string& key, core::TimePoint now);
  // Ends the claim once its outcome is visible to readers: reads that began before (and may
  // show the delivery still due) cannot claim it again.
  void End(const std::string& key);
  // Drops the claim: the delivery is claimable at once.
  void Release(const std::string& key, const std::string& node);
  // Extends `node`'s leases and records it alive until `until`; returns how many leases it
  // holds and how many nodes are alive at `now`.
  std::pair<int64_t, int> Renew(const std::string& node, core::TimePoint now,
                                core::TimePoint until);
  // Claims and ended claims remembered (for tests).
  size_t Size();

 private:
  struct Lease {
    std::string node;         // empty once ended
    core::TimePoint until{};  // valid while now < until
    uint64_t ended_seq = 0;   // seq_ after the claim ended
  };
  void ForgetEnded();  // under mu_; drops the end markers no read in progress began before

  std::mutex mu_;
  std::unordered_map<std::string, Lease> leases_;
  uint64_t seq_ = 0;                                        // the number of claims ended so far
  std::map<uint64_t, size_t> reads_;                        // reads in progress by sequence number
  std::deque<std::pair<std::string, uint64_t>> ended_;      // end markers in sequence order
  std::unordered_map<std::string, core::TimePoint> nodes_;  // alive until
};

}  // namespace hookd::store::sqlite
