// The request-shape and attempt-policy fields shared by endpoints and per-message callbacks:
// url/urls (templates), method, contentType, retriesPerUrl, timeoutMs, totalTimeoutMs,
// retrySchedule or retries + retryDelaySeconds, successStatus, basicAuth (or URL userinfo).
#pragma once

#include <boost/json.hpp>

#include "api/body_reader.h"
#include "core/types.h"

namespace hookd::api {

// Reads the fields into `ep` (url, retry_schedule and options). `patch`: absent fields are kept.
// `env` is the app's, for checking {{env.NAME}} variables; null skips that check.
void ReadDeliveryOptions(BodyReader& body, core::Endpoint& ep, bool patch,
                         const core::StringMap* env);

// Headers whose values are credentials: write-only through the API, redacted in renderings.
bool IsSensitiveHeader(const std::string& header);

// Records a problem for each header that is malformed or that hookd sets itself.
void CheckHeaders(BodyReader& body, std::string_view field, const core::StringMap& headers);

// Adds the fields to an endpoint's JSON. Secrets (the basic-auth password) are never written.
void AddDeliveryOptionsJson(boost::json::object& out, const core::Endpoint& ep);

}  // namespace hookd::api
