#include "cli/when.h"

#include <charconv>

#include "core/time_format.h"

namespace hookd::cli {

std::optional<core::TimePoint> ParseWhen(std::string_view text, core::TimePoint now) {
  if (auto t = core::ParseTime(text)) return t;
  if (text.size() < 2) return std::nullopt;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (ec != std::errc() || end != text.data() + text.size() - 1 || n < 0 || n > 100'000'000)
    return std::nullopt;
  switch (text.back()) {
    case 's':
      return now - std::chrono::seconds(n);
    case 'm':
      return now - std::chrono::minutes(n);
    case 'h':
      return now - std::chrono::hours(n);
    case 'd':
      return now - std::chrono::days(n);
  }
  return std::nullopt;
}

}  // namespace hookd::cli
