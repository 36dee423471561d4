// One thread running queued tasks in order: where a store runs the blocking work of its
// asynchronous calls (claims, renewals), off the callers' event loops. Internal to store/.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/thread_setup.h"

namespace hookd::store {

class TaskThread {
 public:
  explicit TaskThread(std::string name) : name_(std::move(name)) {}
  ~TaskThread() { Stop(); }

  void Start() {
    thread_ = std::thread([this] {
      core::SetUpThisThread(name_.c_str());
      Loop();
    });
  }
  // Runs what is queued, then joins. Later Post() calls return false.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
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
  void Loop() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }

  std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hookd::store
