// JSON serialization that writes numbers as their shortest round-trip text ("2.5", "0.1"), not
// Boost.JSON's "2.5E0", so payloads reach receivers the way producers wrote them.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

namespace hookd::core {

// A non-finite number (what the parser makes of e.g. 1e400) is written as null.
std::string JsonText(const boost::json::value& v);
void AppendJsonText(const boost::json::value& v, std::string& out);
// Nullopt when `v` holds a non-finite number: JSON has no text for it, and null would change it.
std::optional<std::string> FiniteJsonText(const boost::json::value& v);

}  // namespace hookd::core
