// Domain objects to their Svix-compatible JSON (camelCase).
#pragma once

#include <boost/json.hpp>

#include "core/types.h"

namespace hookd::api {

boost::json::object AppJson(const core::App& app);
boost::json::object EventTypeJson(const core::EventType& et, bool with_schemas = true);
boost::json::object EndpointJson(const core::Endpoint& ep);
boost::json::object MessageJson(const core::Message& msg, bool with_content);
// The same as serialize(MessageJson(...)), without re-parsing the stored payload.
std::string MessageJsonText(const core::Message& msg, bool with_content);
boost::json::object AttemptJson(const core::Attempt& a);
boost::json::value OptTime(const std::optional<core::TimePoint>& t);

boost::json::value OptString(const std::optional<std::string>& s);
boost::json::value StringList(const std::optional<std::vector<std::string>>& v);
boost::json::object StringMapJson(const core::StringMap& m);

}  // namespace hookd::api
