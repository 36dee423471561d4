#include "store/postgres/health.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

namespace hookd::store::postgres {
namespace {
constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(2);
}  // namespace

bool Health::MayConnect() {
  std::lock_guard lock(mu_);
  return !down_ || Steady::now() >= retry_at_;
}

void Health::Failed(std::string_view detail) {
  std::lock_guard lock(mu_);
  if (!down_) {
    std::string line;  // libpq's messages span lines
    for (char ch : detail) {
      if (ch == '\n' || ch == '\t') ch = ' ';
      if (ch != ' ' || (!line.empty() && line.back() != ' ')) line += ch;
    }
    spdlog::error("store: the database is unavailable ({}); retrying", line);
    backoff_ = kFirstBackoff;
  } else {
    backoff_ = std::min<Steady::duration>(backoff_ * 2, kMaxBackoff);
  }
  down_ = true;
  retry_at_ = Steady::now() + backoff_;
}

void Health::Connected() {
  std::lock_guard lock(mu_);
  if (down_) spdlog::info("store: the database is available again");
  down_ = false;
}

}  // namespace hookd::store::postgres
