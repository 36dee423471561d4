#include "api/errors.h"

#include <boost/json.hpp>

namespace hookd::api {
namespace json = boost::json;
using core::ErrorCode;

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest:
      return 400;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kIdempotencyTaken:
      return 409;
    case ErrorCode::kLeaseLost:
      return 409;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kValidation:
      return 422;
    case ErrorCode::kStorageFull:
      return 507;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

namespace {
const char* CodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest:
      return "bad_request";
    case ErrorCode::kUnauthorized:
      return "authentication_failed";
    case ErrorCode::kForbidden:
      return "insufficient_access";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kIdempotencyTaken:
      return "idempotency_conflict";
    case ErrorCode::kLeaseLost:
      return "conflict";
    case ErrorCode::kPayloadTooLarge:
      return "payload_too_large";
    case ErrorCode::kValidation:
      return "validation_error";
    case ErrorCode::kStorageFull:
      return "insufficient_storage";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal_error";
  }
  return "internal_error";
}
}  // namespace

Response ErrorResponse(const core::Error& error) {
  json::object body;
  body["code"] = CodeName(error.code);
  if (error.code == ErrorCode::kValidation) {
    json::array detail;
    for (const auto& f : error.fields) {
      json::array loc;
      for (const auto& l : f.loc) loc.emplace_back(l);
      detail.push_back(json::object{{"loc", loc}, {"msg", f.msg}, {"type", f.type}});
    }
    body["detail"] = std::move(detail);
  } else {
    body["detail"] = error.detail;
  }
  Response r{HttpStatus(error.code), json::serialize(body)};
  if (error.code == ErrorCode::kUnauthorized) r.headers.emplace_back("www-authenticate", "Bearer");
  return r;
}

Response ErrorResponse(ErrorCode code, std::string detail) {
  return ErrorResponse(core::Error{code, std::move(detail), {}});
}

}  // namespace hookd::api
