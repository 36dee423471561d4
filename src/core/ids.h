// Svix-style ids: "<prefix>_" + 27 base62 chars: 11 for the microsecond timestamp (fixed width)
// and 16 random (~95 bits). Ids of one prefix sort by creation time as strings; within one
// process they are strictly increasing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace hookd::core {

std::string NewId(std::string_view prefix, const Clock& clock = SystemClock::Instance());

// True if `s` looks like an id with this prefix (so path params can be told from uids).
bool HasIdPrefix(std::string_view s, std::string_view prefix);

// Creation time encoded in an id (microsecond precision); nullopt if malformed.
std::optional<TimePoint> IdTime(std::string_view id);

// Smallest id of `prefix` created at or after `t` (for before/after range filters).
std::string IdLowerBound(std::string_view prefix, TimePoint t);

// Random bytes from the OS CSPRNG.
std::string RandomBytes(size_t n);

}  // namespace hookd::core
