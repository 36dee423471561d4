// Times given on the command line: RFC 3339, or a duration before now ("90s", "30m", "2h", "7d").
#pragma once

#include <optional>
#include <string_view>

#include "core/clock.h"

namespace hookd::cli {

// Nullopt when `text` is neither.
std::optional<core::TimePoint> ParseWhen(std::string_view text, core::TimePoint now);

}  // namespace hookd::cli
