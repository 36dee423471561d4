// JSON text encoding of list/map-valued columns, shared by store implementations.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/types.h"
#include "store/task_store.h"

namespace hookd::store {

std::string EncodeMap(const core::StringMap& m);
core::StringMap DecodeMap(const std::string& json);
std::optional<std::string> EncodeList(const std::optional<std::vector<std::string>>& v);
std::optional<std::vector<std::string>> DecodeList(const std::optional<std::string>& json);
std::optional<std::string> EncodeInts(const std::optional<std::vector<int>>& v);
std::optional<std::vector<int>> DecodeInts(const std::optional<std::string>& json);
// NULL for default options.
std::optional<std::string> EncodeOptions(const core::DeliveryOptions& o);
core::DeliveryOptions DecodeOptions(const std::optional<std::string>& json);
// NULL for an empty policy (every rule deferred).
std::optional<std::string> EncodeFailurePolicy(const core::FailurePolicy& p);
core::FailurePolicy DecodeFailurePolicy(const std::optional<std::string>& json);
// NULL for no notifications.
std::optional<std::string> EncodeNotifications(const core::Notifications& n);
core::Notifications DecodeNotifications(const std::optional<std::string>& json);
std::string EncodeTaskSpec(const TaskSpec& spec);
TaskSpec DecodeTaskSpec(const std::string& json);
std::string EncodeSecrets(const std::vector<core::EndpointSecret>& secrets);
std::vector<core::EndpointSecret> DecodeSecrets(const std::string& json);

}  // namespace hookd::store
