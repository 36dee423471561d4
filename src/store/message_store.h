// Messages of an application. Lookups by ref accept the id or the eventId.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/inbox.h"
#include "store/common.h"

namespace hookd::store {

struct MessageFilter {
  std::vector<std::string> event_types;  // empty: all
  std::optional<std::string> channel;
  std::optional<std::string> tag;
  std::optional<core::TimePoint> before;  // created strictly before
  std::optional<core::TimePoint> after;   // created strictly after
};

// Which deliveries a new message gets.
struct MessageRouting {
  bool fan_out = true;                       // every enabled subscribed endpoint that matches
  std::optional<std::string> only_endpoint;  // instead: just this endpoint (send-example)
  std::optional<core::Endpoint> callback;    // plus: a per-message destination, stored as an
                                             // ephemeral endpoint in the same commit
  // The endpoint that receives the message's completion report (message.completed), stored as
  // an ephemeral endpoint of the operations app in the same commit.
  std::optional<core::Endpoint> completion_callback;
  std::optional<std::string> also_endpoint;  // plus: this existing endpoint of the app
  // The inbox request this message forwards, recorded in the same commit (inbox_store.h).
  std::optional<core::InboxRequest> received;
};

class MessageStore {
 public:
  virtual ~MessageStore() = default;
  virtual Result<core::Message> GetMessage(std::string_view app_id, std::string_view ref) = 0;
  virtual Result<Page<core::Message>> ListMessages(std::string_view app_id,
                                                   const MessageFilter& filter,
                                                   const PageRequest& page) = 0;
  // Also creates, in the same commit, the message's deliveries as `routing` says (and the
  // callback endpoints), due at once; the due listener is woken after the commit. A message of
  // a batch (Message::batch_id) creates the batch when it is new, and fails with kConflict when
  // the batch is closed or complete. Sets Message::track_completion (see batch_store.h).
  virtual void CreateMessage(core::Message msg, Idempotency idem, MessageRouting routing,
                             Done<core::Message> done) = 0;
  virtual void ExpungeMessageContent(std::string app_id, std::string id, Done<void> done) = 0;
};

}  // namespace hookd::store
