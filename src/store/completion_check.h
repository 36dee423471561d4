// The completion check's rules, shared by every store implementation (batch_store.h). A backend
// supplies its transaction's reads and writes as a CompletionTxn; RunCompletionCheck decides.
// Internal to the store.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/completion.h"
#include "store/common.h"

namespace hookd::store {

// An entry of the completion queue: a message to check, or (msg_id unset) a batch.
struct QueuedCheck {
  std::optional<std::string> msg_id;
  std::string app_id;
  std::optional<std::string> batch_id;
};

// A queued message with no completion record yet, and its destinations as they stand.
struct MessageProgress {
  core::Message message;  // payload not read
  std::optional<std::string> app_uid;
  std::vector<core::DestinationOutcome> destinations;
};

using BatchKey = std::pair<std::string, std::string>;  // app, batch id
// Destinations by message id, each message's by endpoint id.
using DestinationsOf = std::unordered_map<std::string, std::vector<core::DestinationOutcome>>;

// One transaction of a backend. Called in this order: TakeQueued, ReadProgress,
// RecordCompletions, ReadBatches, SaveBatches, InsertEvents.
class CompletionTxn {
 public:
  virtual ~CompletionTxn() = default;
  // Removes and returns up to `limit` queue entries, oldest first.
  virtual Result<std::vector<QueuedCheck>> TakeQueued(size_t limit) = 0;
  // Of these messages, those that exist and are not yet complete.
  virtual Result<std::vector<MessageProgress>> ReadProgress(
      const std::vector<std::string>& msg_ids) = 0;
  // Whether an operational endpoint subscribes to `type`.
  virtual Result<bool> OpsListen(std::string_view type) = 0;
  virtual Status RecordCompletions(const std::vector<core::MessageCompletion>& completions) = 0;
  // The batches that exist among `keys`, with their app's uid.
  virtual Result<std::vector<std::pair<core::Batch, std::optional<std::string>>>> ReadBatches(
      const std::vector<BatchKey>& keys) = 0;
  // Stores each batch's counts and completion time.
  virtual Status SaveBatches(const std::vector<core::Batch>& batches) = 0;
  virtual Status InsertEvents(std::vector<core::OpsEvent> events, core::TimePoint now) = 0;
};

// Runs one check over `txn`; returns how many queue entries it took.
Result<int64_t> RunCompletionCheck(CompletionTxn& txn, core::TimePoint now, size_t limit,
                                   const core::Clock& clock);

}  // namespace hookd::store
