// Message completion and batches: a message is complete when every delivery it has is final
// (succeeded, exhausted or killed); a batch is complete when the messages it expects are.
#pragma once

#include <boost/json/array.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/types.h"

namespace hookd::core {

// How a complete message ended: failed if any destination failed, else killed if any was
// killed, else succeeded (also with no destination at all).
enum class CompletionStatus { kSucceeded, kFailed, kKilled };
const char* CompletionStatusName(CompletionStatus s);
std::optional<CompletionStatus> ParseCompletionStatus(std::string_view s);

// One destination of a message: its delivery as it stands.
struct DestinationOutcome {
  std::string endpoint_id;
  DeliveryStatus status = DeliveryStatus::kPending;
  int attempts = 0;
  int last_status = 0;  // the last attempt's HTTP status; 0: none, or no response
  bool held = false;    // waiting for its disabled endpoint
};
// A delivery is final when it succeeded, failed without retries left, or was killed.
bool IsFinal(const DestinationOutcome& d);

struct MessageCompletion {
  std::string msg_id;
  std::string app_id;
  std::optional<std::string> batch_id;
  CompletionStatus status = CompletionStatus::kSucceeded;
  TimePoint completed_at{};
  std::vector<DestinationOutcome> destinations;
};
CompletionStatus StatusOf(const std::vector<DestinationOutcome>& destinations);

// [{"endpointId", "status": succeeded|failed|killed|pending|held, "attempts",
//   "responseStatusCode"}], as events and the API show them.
boost::json::array DestinationsJson(const std::vector<DestinationOutcome>& destinations);
std::vector<DestinationOutcome> ParseDestinations(std::string_view json_text);

// A group of messages whose completion is reported once, as a whole (batch.completed).
struct Batch {
  std::string app_id;
  std::string id;  // the producer's batch id
  // Members it completes at: given at creation, or the members it has when it is closed.
  std::optional<int64_t> expected;
  std::optional<std::string> callback_endpoint;  // ephemeral endpoint of the operations app
  TimePoint created_at{};
  std::optional<TimePoint> closed_at;
  std::optional<TimePoint> completed_at;
  // Members complete so far, by status (kept by the completion check).
  int64_t succeeded = 0, failed = 0, killed = 0;
  int64_t messages = 0;  // members (counted when read)
  int64_t completed() const { return succeeded + failed + killed; }
  // No message may join a closed or complete batch.
  bool open() const { return !closed_at && !completed_at; }
};

}  // namespace hookd::core
