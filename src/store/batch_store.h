// Message completion and batches.
//
// Completion is part of the store contract. A message whose completion is tracked
// (Message::track_completion) is queued for the completion check in the commit that makes one of
// its deliveries final (an outcome with DeliveryUpdate::check_completion, a kill, an endpoint's
// deletion), or at creation when it has no delivery. The check (CheckCompletions) takes queued
// messages, and records each whose deliveries are all final as complete, once: one completion
// record, message.completed to the operational endpoints that listen and to the message's
// completion callback, and the counts of its batch. A batch whose expected members are complete
// is completed in the same commit, once, with batch.completed (also to the batch's callback).
// Checks never overlap (one at a time across nodes), so the last two outcomes of a message
// landing at once on two nodes, or a crash between an outcome and the check, neither loses nor
// doubles a completion.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/completion.h"
#include "store/common.h"

namespace hookd::store {

// A member of a batch, with its completion (none while pending) and its destinations.
struct BatchMember {
  core::Message message;
  std::optional<core::MessageCompletion> completion;
  std::vector<core::DestinationOutcome> destinations;  // as they stand now
};

class BatchStore {
 public:
  virtual ~BatchStore() = default;

  // Creates an open batch (kConflict when the app has one with this id). Its callback endpoint,
  // if any, is created in the same commit.
  virtual void CreateBatch(core::Batch batch, std::optional<core::Endpoint> callback,
                           Idempotency idem, Done<core::Batch> done) = 0;
  // With its member count.
  virtual Result<core::Batch> GetBatch(std::string_view app_id, std::string_view id) = 0;
  virtual Result<Page<core::Batch>> ListBatches(std::string_view app_id,
                                                const PageRequest& page) = 0;
  // Closes the batch: no message joins it any more, and it expects the members it has now.
  // Closing a closed batch changes nothing.
  virtual void CloseBatch(std::string app_id, std::string id, core::TimePoint now,
                          Done<core::Batch> done) = 0;
  virtual Result<Page<BatchMember>> ListBatchMembers(std::string_view app_id,
                                                     std::string_view batch_id,
                                                     const PageRequest& page) = 0;
  // The completion record of a message (kNotFound while it is not complete or not tracked).
  virtual Result<core::MessageCompletion> GetCompletion(std::string_view app_id,
                                                        std::string_view msg_id) = 0;

  // One completion check of at most `limit` queued entries, in one commit; reports how many it
  // took (0: none queued, or another node is checking).
  virtual void CheckCompletions(core::TimePoint now, size_t limit, Done<int64_t> done) = 0;
};

}  // namespace hookd::store
