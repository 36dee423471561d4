// The JSON view of a request hookd sends (test mode, an attempt's request): credentials never
// shown.
#pragma once

#include <boost/json.hpp>

#include "delivery/http_client.h"

namespace hookd::api {

// {url, method, headers, body}: credential headers (core::IsCredentialHeader) read
// "[redacted]", and so does the signature unless `with_signature`.
boost::json::object RequestJson(const delivery::HttpRequest& req, bool with_signature);

}  // namespace hookd::api
