// Connections for the store's reads and claims, and connecting under the store's Health.
// Internal to store/postgres; thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/postgres/conn.h"
#include "store/postgres/health.h"

namespace hookd::store::postgres {

// Opens a connection unless `health` says to wait (then kUnavailable at once); reports the outcome
// to `health`.
Result<std::unique_ptr<Conn>> Connect(const std::string& url, Health& health);

// Grows on demand; idle connections are reused, broken ones dropped.
class Pool {
 public:
  Pool(std::string url, Health& health) : url_(std::move(url)), health_(health) {}

  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Conn> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (conn_) pool_.Return(std::move(conn_));
    }
    Conn& operator*() { return *conn_; }
    Conn* operator->() { return conn_.get(); }

   private:
    Pool& pool_;
    std::unique_ptr<Conn> conn_;
  };

  // kUnavailable when closed or when the database cannot be reached.
  Result<Lease> Acquire();
  // Closes the idle connections (after a broken one: they are likely stale too).
  void DropIdle();
  // Later Acquire() calls fail; leased connections are closed when returned.
  void Close();

 private:
  void Return(std::unique_ptr<Conn> conn);

  std::string url_;
  Health& health_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_;
  bool closed_ = false;
};

}  // namespace hookd::store::postgres
