// What an app-scoped API token may do in its app. Admin tokens may do everything everywhere.
// The names are Svix's app portal capabilities, plus hookd's ManageMessages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::core {

enum class Capability : uint8_t {
  kViewBase,              // read the app, endpoints (not secrets), messages, attempts, stats
  kViewEndpointSecret,    // read endpoint secrets
  kManageEndpointSecret,  // rotate (and read) endpoint secrets
  kManageTransformations,
  kCreateAttempts,  // resend, replay missing, recover, send examples
  kManageEndpoint,  // create, change and delete endpoints (secrets included)
  kManageMessages,  // send messages and batches, expunge and kill them (hookd)
};
inline constexpr int kCapabilityCount = 7;

// A set of capabilities; each bit is 1 << Capability.
using Capabilities = uint32_t;
constexpr Capabilities Bit(Capability c) { return Capabilities{1} << static_cast<int>(c); }
inline constexpr Capabilities kAllCapabilities = (Capabilities{1} << kCapabilityCount) - 1;
// A customer portal token when none are named: every portal capability (Svix's default).
inline constexpr Capabilities kPortalCapabilities =
    kAllCapabilities & ~Bit(Capability::kManageMessages);

std::string_view CapabilityName(Capability c);
std::optional<Capability> ParseCapability(std::string_view name);
// Adds what a set implies: ViewBase always; secrets' reading to managing them and managing
// them to managing endpoints.
Capabilities WithImplied(Capabilities caps);
std::vector<std::string> CapabilityNames(Capabilities caps);
// Stored form: names separated by commas. Unknown names are skipped (a newer hookd's).
std::string FormatCapabilities(Capabilities caps);
Capabilities ParseCapabilities(std::string_view text);

}  // namespace hookd::core
