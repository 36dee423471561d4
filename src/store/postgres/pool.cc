#include "store/postgres/pool.h"

namespace hookd::store::postgres {
namespace {
constexpr size_t kMaxIdle = 16;
}  // namespace

Result<std::unique_ptr<Conn>> Connect(const std::string& url, Health& health) {
  if (!health.MayConnect()) return Unavailable();
  auto conn = Conn::Open(url);
  if (!conn) {
    health.Failed(conn.error().detail);
    return Unavailable();
  }
  health.Connected();
  return conn;
}

Result<Pool::Lease> Pool::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return core::Fail(core::ErrorCode::kUnavailable, "the store is closed");
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(conn));
    }
  }
  auto conn = Connect(url_, health_);
  if (!conn) return std::unexpected(conn.error());
  return Lease(*this, std::move(*conn));
}

void Pool::DropIdle() {
  std::vector<std::unique_ptr<Conn>> drop;
  std::lock_guard lock(mu_);
  drop.swap(idle_);
}

void Pool::Close() {
  std::vector<std::unique_ptr<Conn>> drop;
  std::lock_guard lock(mu_);
  closed_ = true;
  drop.swap(idle_);
}

void Pool::Return(std::unique_ptr<Conn> conn) {
  if (conn->broken()) {
    DropIdle();
    return;
  }
  std::lock_guard lock(mu_);
  if (!closed_ && idle_.size() < kMaxIdle) idle_.push_back(std::move(conn));
}

}  // namespace hookd::store::postgres
