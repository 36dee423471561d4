// Errors are values on request paths: Result<T> = std::expected<T, Error>.
#pragma once

#include <expected>
#include <string>
#include <utility>
#include <vector>

namespace hookd::core {

enum class ErrorCode {
  kBadRequest,        // 400: malformed input (JSON syntax, bad query)
  kUnauthorized,      // 401: missing or unknown token
  kForbidden,         // 403: token may not do this
  kNotFound,          // 404
  kConflict,          // 409: unique key taken (uid, eventId)
  kPayloadTooLarge,   // 413
  kValidation,        // 422: field-level errors in `fields`
  kIdempotencyTaken,  // store: the idempotency key is already recorded (caller replays it)
  kLeaseLost,         // store: another node holds the delivery; the outcome was not recorded
  kStorageFull,       // 507: the disk is full (nothing was written)
  kUnavailable,       // 503: shutting down / overloaded / the disk failed
  kInternal,          // 500
};

// One field-level validation problem; `loc` is the path, e.g. {"body", "url"}.
struct FieldError {
  std::vector<std::string> loc;
  std::string msg;
  std::string type = "value_error";
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string detail;
  std::vector<FieldError> fields;  // only for kValidation
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> Fail(ErrorCode code, std::string detail) {
  return std::unexpected(Error{code, std::move(detail), {}});
}
inline std::unexpected<Error> NotFound(std::string what) {
  return Fail(ErrorCode::kNotFound, std::move(what) + " not found");
}
inline std::unexpected<Error> Invalid(std::string field, std::string msg) {
  return std::unexpected(Error{ErrorCode::kValidation,
                               "validation error",
                               {FieldError{{"body", std::move(field)}, std::move(msg)}}});
}

}  // namespace hookd::core
