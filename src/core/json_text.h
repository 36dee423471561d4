// JSON serialization that writes numbers as their shortest round-trip text ("2.5", "0.1"), not
// Boost.JSON's "2.5E0", so payloads reach receivers the way producers wrote them.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace hookd::core {

std::string JsonText(const boost::json::value& v);
void AppendJsonText(const boost::json::value& v, std::string& out);

}  // namespace hookd::core
