// The request-shape and attempt-policy fields shared by endpoints and per-message callbacks:
// url/urls (templates), method, contentType, retriesPerUrl, timeoutMs, totalTimeoutMs,
// retrySchedule or retries + retryDelaySeconds, successStatus, basicAuth (or URL userinfo).
#pragma once

#include <boost/json.hpp>

#include "api/body_reader.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/types.h"

namespace hookd::api {

// Reads the fields into `ep` (url, retry_schedule and options). `patch`: absent fields are kept.
// `env` is the app's, for checking {{env.NAME}} variables; null skips that check.
void ReadDeliveryOptions(BodyReader& body, core::Endpoint& ep, bool patch,
                         const core::StringMap* env);

// Records a problem for each header that is malformed or that hookd sets itself.
void CheckHeaders(BodyReader& body, std::string_view field, const core::StringMap& headers);

// A destination of one message or batch (`field`: callback, completionCallback), read as an
// ephemeral endpoint described as `description`: the delivery options, headers and secret.
// Unset when the field is absent.
std::optional<core::Endpoint> ReadCallback(BodyReader& body, std::string_view field,
                                           std::string_view description, const core::Clock& clock);

// Fills the URL variables of `cb`'s URLs now, from `vars` (its payload parsed in `payload`) and
// `env`; a variable without a value is a validation error of `field`.
core::Status BindCallbackUrls(core::Endpoint& cb, const core::Message& vars,
                              const boost::json::value& payload, const core::StringMap& env,
                              std::string_view field);

// Adds the fields to an endpoint's JSON. Secrets (the basic-auth password) are never written.
void AddDeliveryOptionsJson(boost::json::object& out, const core::Endpoint& ep);

}  // namespace hookd::api
