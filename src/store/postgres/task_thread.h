// One thread running queued tasks in order: where the PostgreSQL store runs claims, off the
// callers' event loops. Internal to store/postgres.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "core/thread_name.h"

namespace hookd::store::postgres {

class TaskThread {
 public:
  ~TaskThread() { Stop(); }

  void Start(const char* name) {
    thread_ = std::thread([this, name] {
      core::NameThisThread(name);
      std::unique_lock lock(mu_);
      for (;;) {
        cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        auto task = std::move(tasks_.front());
        tasks_.pop_front();
        lock.unlock();
        task();
        lock.lock();
      }
    });
  }
  // Runs what is queued, then joins. Later Post() calls return false.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }
  // False when stopped (the task is not run).
  bool Post(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return false;
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
    return true;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hookd::store::postgres
