// URL templates: "{{name}}" placeholders filled per message. Names resolve, in order, to a
// message variable (msgId, eventType, eventId, batchId when set), an app environment variable, then
// a payload field (dotted path such as member.phone); "env.NAME" and "payload.PATH" pick one
// source. Placeholders may stand only in the path and the query; each value is percent-encoded for
// its position, so a value can never change the URL's structure.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/types.h"

namespace hookd::delivery {

bool HasPlaceholders(std::string_view url);

// Appends `value` percent-encoded: RFC 3986 unreserved characters kept (for any URL position);
// `form`: application/x-www-form-urlencoded instead (space as '+', '*' kept, '~' encoded).
void AppendPercentEncoded(std::string_view value, std::string& out, bool form);

// Empty when `url` is a well-formed template whose variables can all be resolved or may come
// from a message; otherwise why not (e.g. an unknown env.NAME, a placeholder in the host).
// `env` null: env.NAME variables are not checked.
std::string CheckUrlTemplate(std::string_view url, const core::StringMap* env);

// The template with a harmless value in every placeholder, for URL syntax checks.
std::string SampleUrl(std::string_view url);

// The fields of `msg`'s payload that URL variables may name: none for a raw payload.
boost::json::value PayloadFields(const core::Message& msg);

// Renders for one message. Fails (naming the variable) when a variable has no value.
core::Result<std::string> RenderUrl(std::string_view url, const core::Message& msg,
                                    const boost::json::value& payload, const core::StringMap& env);

}  // namespace hookd::delivery
