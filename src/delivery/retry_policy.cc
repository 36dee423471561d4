#include "delivery/retry_policy.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <string>

namespace hookd::delivery {

std::optional<std::chrono::milliseconds> NextRetryDelay(
    const RetryPolicy& policy, int attempts_made,
    std::optional<std::chrono::seconds> retry_after, core::Random& random) {
  if (attempts_made < 1 || attempts_made > static_cast<int>(policy.schedule.size()))
    return std::nullopt;
  if (retry_after) {
    auto d = std::clamp(*retry_after, policy.min_retry_after, policy.max_retry_after);
    return std::chrono::duration_cast<std::chrono::milliseconds>(d);
  }
  auto base = std::chrono::duration_cast<std::chrono::milliseconds>(
      policy.schedule[attempts_made - 1]);
  double factor = 1.0 + policy.jitter * (2.0 * random.Uniform() - 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(base.count() * factor));
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value, core::TimePoint now) {
  int64_t secs = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
  if (ec == std::errc() && p == value.data() + value.size() && secs >= 0)
    return std::chrono::seconds(secs);
  std::string text(value);
  time_t when = curl_getdate(text.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  auto delta = std::chrono::system_clock::from_time_t(when) - now;
  return std::max(std::chrono::seconds(0),
                  std::chrono::duration_cast<std::chrono::seconds>(delta));
}

std::optional<std::vector<std::chrono::seconds>> ParseSchedule(std::string_view text) {
  std::vector<std::chrono::seconds> out;
  size_t i = 0;
  while (i <= text.size()) {
    size_t j = text.find(',', i);
    if (j == std::string_view::npos) j = text.size();
    auto item = text.substr(i, j - i);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) return std::nullopt;
    int64_t n = 0;
    auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
    if (ec != std::errc() || n < 0) return std::nullopt;
    std::string_view unit(p, item.data() + item.size() - p);
    int64_t scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
    if (scale == 0) return std::nullopt;
    out.push_back(std::chrono::seconds(n * scale));
    i = j + 1;
  }
  return out;
}

}  // namespace hookd::delivery
