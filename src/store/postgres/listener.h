// The due listener's connection: LISTEN hookd_due on its own connection and thread, so commits
// of other nodes (and other store objects) that made deliveries due wake this store's claimant.
// It only wakes; it carries no work. Internal to store/postgres.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "store/postgres/health.h"

namespace hookd::store::postgres {

inline constexpr const char* kDueChannel = "hookd_due";
// Sent in a transaction that made deliveries due (takes effect at its commit).
inline constexpr const char* kNotifyDue = "SELECT pg_notify('hookd_due', '')";

class Listener {
 public:
  // `wake` runs on the listener thread for notifications sent by connections other than
  // `own_pid()`'s, and after each reconnection (notifications may have been missed meanwhile).
  Listener(std::string url, Health& health, std::function<int()> own_pid,
           std::function<void()> wake);
  ~Listener();  // calls Stop()

  void Start();
  void Stop();

 private:
  void Loop();

  std::string url_;
  Health& health_;
  std::function<int()> own_pid_;
  std::function<void()> wake_;
  int stop_fd_ = -1;  // eventfd: Stop() makes it readable
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace hookd::store::postgres
