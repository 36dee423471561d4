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

// Times as stored: microseconds since the epoch; an unset time is NULL.
int64_t ToMicros(TimePoint t);
TimePoint FromMicros(int64_t us);
std::optional<int64_t> ToMicros(const std::optional<TimePoint>& t);
std::optional<TimePoint> FromMicros(const std::optional<int64_t>& us);

}  // namespace hookd::core
