// RFC 3339 timestamps as the API speaks them: "2026-11-22T20:32:11.123Z" (UTC, milliseconds).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace hookd::core {

std::string FormatTime(TimePoint t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)"; nullopt when malformed.
std::optional<TimePoint> ParseTime(std::string_view s);

int64_t ToMicros(TimePoint t);
TimePoint FromMicros(int64_t us);

}  // namespace hookd::core
