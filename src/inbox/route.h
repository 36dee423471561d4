// The event type of a received request, from the source's rules on its fields.
#pragma once

#include <string>
#include <string_view>

#include "core/inbox.h"

namespace hookd::inbox {

// The first rule of `settings.routes` whose field the request has (with value `equals`, when
// set) names the event type; else `settings.default_event_type`. Fields are read from a JSON
// object body (dotted paths: "data.status", "items.0.id"), from form fields (body, or the query
// string when the body is empty), names as sent.
std::string EventTypeOf(const core::SourceSettings& settings, std::string_view body,
                        std::string_view query);

}  // namespace hookd::inbox
