#include "core/capability.h"

#include <array>

namespace hookd::core {
namespace {

constexpr std::array<std::string_view, kCapabilityCount> kNames = {
    "ViewBase",       "ViewEndpointSecret", "ManageEndpointSecret", "ManageTransformations",
    "CreateAttempts", "ManageEndpoint",     "ManageMessages",
};

}  // namespace

std::string_view CapabilityName(Capability c) { return kNames[static_cast<size_t>(c)]; }

std::optional<Capability> ParseCapability(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<Capability>(i);
  return std::nullopt;
}

Capabilities WithImplied(Capabilities caps) {
  using C = Capability;
  if (caps & Bit(C::kManageEndpoint)) caps |= Bit(C::kManageEndpointSecret);
  if (caps & Bit(C::kManageEndpointSecret)) caps |= Bit(C::kViewEndpointSecret);
  return caps | Bit(C::kViewBase);
}

std::vector<std::string> CapabilityNames(Capabilities caps) {
  std::vector<std::string> names;
  for (size_t i = 0; i < kNames.size(); ++i)
    if (caps & Bit(static_cast<Capability>(i))) names.emplace_back(kNames[i]);
  return names;
}

std::string FormatCapabilities(Capabilities caps) {
  std::string text;
  for (const auto& name : CapabilityNames(caps)) text += (text.empty() ? "" : ",") + name;
  return text;
}

Capabilities ParseCapabilities(std::string_view text) {
  Capabilities caps = 0;
  while (!text.empty()) {
    size_t comma = text.find(',');
    if (auto c = ParseCapability(text.substr(0, comma))) caps |= Bit(*c);
    text = comma == std::string_view::npos ? "" : text.substr(comma + 1);
  }
  return caps;
}

}  // namespace hookd::core
