// A structural check of JSON Schema documents (event types' `schemas`): the keywords hookd knows
// must have the shapes the JSON Schema specification gives them. It does not validate payloads.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace hookd::core {

// Empty when `schema` is a well-formed schema; else what is wrong and where ("properties.a.type:
// ...").
std::string CheckJsonSchema(const boost::json::value& schema);

}  // namespace hookd::core
