// JSON serialization that writes numbers as their shortest round-trip text ("2.5", "0.1"), not
// Boost.JSON's "2.5E0", so payloads reach receivers the way producers wrote them.
#pragma once

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <optional>
#include <string>

namespace hookd::core {

// boost::json::parse, but every number with a fraction or exponent is the double nearest its text
// (Boost.JSON 1.81 rounds some to a neighbour: 5e39 became 4.9999999999999995e+39), so a payload
// serialized again by JsonText keeps its numbers. The first form throws like json::parse.
boost::json::value ParseJson(std::string_view text);
boost::json::value ParseJson(std::string_view text, boost::system::error_code& ec);

// A non-finite number (what the parser makes of e.g. 1e400) is written as null.
std::string JsonText(const boost::json::value& v);
void AppendJsonText(const boost::json::value& v, std::string& out);
// Nullopt when `v` holds a non-finite number: JSON has no text for it, and null would change it.
std::optional<std::string> FiniteJsonText(const boost::json::value& v);

}  // namespace hookd::core
