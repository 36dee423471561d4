// Error values to HTTP responses: {code, detail}; validation errors carry a detail list.
#pragma once

#include "api/http.h"
#include "core/error.h"

namespace hookd::api {

int HttpStatus(core::ErrorCode code);
Response ErrorResponse(const core::Error& error);
Response ErrorResponse(core::ErrorCode code, std::string detail);

}  // namespace hookd::api
