// A small thread-safe cache whose entries expire after a fixed time, for hot read paths (token
// and application lookups on every request). Bounded: when full, it is cleared.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace hookd::api {

template <class V>
class TtlCache {
 public:
  TtlCache(std::chrono::milliseconds ttl, size_t capacity) : ttl_(ttl), capacity_(capacity) {}

  std::optional<V> Get(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (std::chrono::steady_clock::now() >= it->second.expires) {
      entries_.erase(it);
      return std::nullopt;
    }
    return it->second.value;
  }

  void Put(const std::string& key, V value) {
    std::lock_guard lock(mu_);
    if (entries_.size() >= capacity_) entries_.clear();
    entries_[key] = {std::move(value), std::chrono::steady_clock::now() + ttl_};
  }

  void Clear() {
    std::lock_guard lock(mu_);
    entries_.clear();
  }

 private:
  struct Entry {
    V value;
    std::chrono::steady_clock::time_point expires;
  };
  std::chrono::milliseconds ttl_;
  size_t capacity_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace hookd::api
