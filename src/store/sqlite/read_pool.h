// Read-only SQLite connections for readers (internal to store/sqlite).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/sqlite/db.h"

namespace hookd::store::sqlite {

// A pool of read-only connections; grows on demand, connections are reused.
class ReadPool {
 public:
  explicit ReadPool(std::string path) : path_(std::move(path)) {}

  class Lease {
   public:
    Lease(ReadPool& pool, std::unique_ptr<Db> db) : pool_(pool), db_(std::move(db)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (db_) pool_.Return(std::move(db_));
    }
    Db& operator*() { return *db_; }
    Db* operator->() { return db_.get(); }

   private:
    ReadPool& pool_;
    std::unique_ptr<Db> db_;
  };

  core::Result<Lease> Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        auto db = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(db));
      }
    }
    auto db = std::make_unique<Db>();
    if (auto s = db->Open(path_, true); !s) return std::unexpected(s.error());
    if (auto s = db->Exec("PRAGMA cache_size=-8192"); !s) return std::unexpected(s.error());
    return Lease(*this, std::move(db));
  }

 private:
  void Return(std::unique_ptr<Db> db) {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(db));
  }
  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Db>> idle_;
};

}  // namespace hookd::store::sqlite
