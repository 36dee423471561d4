#include "core/types.h"

namespace hookd::core {

const char* StatusText(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::kSuccess: return "success";
    case DeliveryStatus::kPending: return "pending";
    case DeliveryStatus::kFail: return "fail";
    case DeliveryStatus::kSending: return "sending";
    case DeliveryStatus::kCanceled: return "canceled";
  }
  return "pending";
}

}  // namespace hookd::core
