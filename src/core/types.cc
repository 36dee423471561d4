#include "core/types.h"

namespace hookd::core {

const char* StatusText(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::kSuccess:
      return "success";
    case DeliveryStatus::kPending:
      return "pending";
    case DeliveryStatus::kFail:
      return "fail";
    case DeliveryStatus::kSending:
      return "sending";
    case DeliveryStatus::kCanceled:
      return "canceled";
  }
  return "pending";
}

const char* TokenKindName(Token::Kind k) { return k == Token::Kind::kPortal ? "portal" : "app"; }

Token::Kind ParseTokenKind(std::string_view name) {
  return name == "portal" ? Token::Kind::kPortal : Token::Kind::kApp;
}

}  // namespace hookd::core
