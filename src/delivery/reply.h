// Replies carried by 2xx answers of deliveries that expect one (the endpoint's
// DeliveryOptions::expects_reply or the message's Message::expects_reply): a
// JSON object, or form fields (application/x-www-form-urlencoded).
#pragma once

#include <cstddef>
#include <string_view>

#include "core/types.h"

namespace hookd::delivery {

inline constexpr size_t kMaxReplyBytes = 16 * 1024;

// Reads the reply in `body` into `attempt` (reply, or reply_error with the reason: empty,
// oversized, malformed). Never fails the attempt.
void ReadReply(std::string_view body, core::Attempt& attempt);

}  // namespace hookd::delivery
