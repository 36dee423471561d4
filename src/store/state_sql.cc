#include "store/state_sql.h"

#include <cstdlib>
#include <utility>

#include "core/types.h"

namespace hookd::store {

std::string WithStates(std::string_view sql) {
  using core::AttemptTrigger;
  using core::DeliveryStatus;
  static constexpr std::pair<std::string_view, int> kNames[] = {
      {"success", static_cast<int>(DeliveryStatus::kSuccess)},
      {"pending", static_cast<int>(DeliveryStatus::kPending)},
      {"fail", static_cast<int>(DeliveryStatus::kFail)},
      {"sending", static_cast<int>(DeliveryStatus::kSending)},
      {"canceled", static_cast<int>(DeliveryStatus::kCanceled)},
      {"scheduled", static_cast<int>(AttemptTrigger::kScheduled)},
      {"manual", static_cast<int>(AttemptTrigger::kManual)},
      {"probe", static_cast<int>(AttemptTrigger::kProbe)},
  };
  std::string out;
  out.reserve(sql.size());
  size_t i = 0;
  while (i < sql.size()) {
    size_t open = sql.find('{', i);
    if (open == std::string_view::npos) break;
    size_t close = sql.find('}', open);
    out.append(sql.substr(i, open - i));
    auto name = sql.substr(open + 1, close - open - 1);
    bool found = false;
    for (const auto& [n, v] : kNames) {
      if (n == name) {
        out += std::to_string(v);
        found = true;
      }
    }
    if (!found) std::abort();
    i = close + 1;
  }
  out.append(sql.substr(i));
  return out;
}

}  // namespace hookd::store
