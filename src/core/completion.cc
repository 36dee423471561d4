#include "core/completion.h"

#include <boost/json.hpp>

#include "core/json_text.h"

namespace hookd::core {
namespace {

const char* DestinationStatusName(const DestinationOutcome& d) {
  switch (d.status) {
    case DeliveryStatus::kSuccess:
      return "succeeded";
    case DeliveryStatus::kFail:
      return "failed";
    case DeliveryStatus::kCanceled:
      return "killed";
    case DeliveryStatus::kPending:
    case DeliveryStatus::kSending:
      break;
  }
  return d.held ? "held" : "pending";
}

DeliveryStatus ParseDestinationStatus(std::string_view s, bool* held) {
  *held = s == "held";
  if (s == "succeeded") return DeliveryStatus::kSuccess;
  if (s == "failed") return DeliveryStatus::kFail;
  if (s == "killed") return DeliveryStatus::kCanceled;
  return DeliveryStatus::kPending;
}

}  // namespace

const char* CompletionStatusName(CompletionStatus s) {
  switch (s) {
    case CompletionStatus::kSucceeded:
      return "succeeded";
    case CompletionStatus::kFailed:
      return "failed";
    case CompletionStatus::kKilled:
      return "killed";
  }
  return "succeeded";
}

std::optional<CompletionStatus> ParseCompletionStatus(std::string_view s) {
  if (s == "succeeded") return CompletionStatus::kSucceeded;
  if (s == "failed") return CompletionStatus::kFailed;
  if (s == "killed") return CompletionStatus::kKilled;
  return std::nullopt;
}

bool IsFinal(const DestinationOutcome& d) {
  return d.status == DeliveryStatus::kSuccess || d.status == DeliveryStatus::kFail ||
         d.status == DeliveryStatus::kCanceled;
}

CompletionStatus StatusOf(const std::vector<DestinationOutcome>& destinations) {
  auto status = CompletionStatus::kSucceeded;
  for (const auto& d : destinations) {
    if (d.status == DeliveryStatus::kFail) return CompletionStatus::kFailed;
    if (d.status == DeliveryStatus::kCanceled) status = CompletionStatus::kKilled;
  }
  return status;
}

boost::json::array DestinationsJson(const std::vector<DestinationOutcome>& destinations) {
  boost::json::array out;
  out.reserve(destinations.size());
  for (const auto& d : destinations) {
    out.push_back(boost::json::object{{"endpointId", d.endpoint_id},
                                      {"status", DestinationStatusName(d)},
                                      {"attempts", d.attempts},
                                      {"responseStatusCode", d.last_status}});
  }
  return out;
}

std::vector<DestinationOutcome> ParseDestinations(std::string_view json_text) {
  std::vector<DestinationOutcome> out;
  boost::system::error_code ec;
  auto v = core::ParseJson(json_text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& item : v.as_array()) {
    const auto* o = item.if_object();
    if (!o) continue;
    DestinationOutcome d;
    if (const auto* id = o->if_contains("endpointId"); id && id->is_string())
      d.endpoint_id = std::string(id->as_string());
    if (const auto* s = o->if_contains("status"); s && s->is_string())
      d.status = ParseDestinationStatus(s->as_string(), &d.held);
    if (const auto* a = o->if_contains("attempts"); a && a->is_int64())
      d.attempts = static_cast<int>(a->as_int64());
    if (const auto* c = o->if_contains("responseStatusCode"); c && c->is_int64())
      d.last_status = static_cast<int>(c->as_int64());
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace hookd::core
