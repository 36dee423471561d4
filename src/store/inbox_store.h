// Inbox sources, their URL tokens and the requests they received (core/inbox.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/inbox.h"
#include "store/common.h"

namespace hookd::store {

struct InboxRequestFilter {
  std::optional<core::InboxVerdict> verdict;
  std::optional<std::string> event_type;
  std::optional<core::TimePoint> before;  // received strictly before
  std::optional<core::TimePoint> after;   // received strictly after
};

class InboxStore {
 public:
  virtual ~InboxStore() = default;
  virtual Result<core::Source> GetSource(std::string_view ref) = 0;  // id or uid
  virtual Result<Page<core::Source>> ListSources(const PageRequest& page) = 0;
  // Also creates the source's app (same id and name) and its first URL token.
  virtual void CreateSource(core::Source source, core::SourceToken token, Idempotency idem,
                            Done<core::Source> done) = 0;
  virtual void UpdateSource(core::Source source, Done<core::Source> done) = 0;  // by id
  virtual void DeleteSource(std::string id, Done<void> done) = 0;  // with its app, cascading
  // The source whose current or unexpired token this is.
  virtual Result<core::Source> FindSourceByToken(std::string_view token) = 0;
  // The source's current token (nullopt: none).
  virtual Result<std::optional<core::SourceToken>> CurrentSourceToken(std::string_view id) = 0;
  // Makes `token` current; the previous current token stays valid until `old_expires_at`.
  virtual void RotateSourceToken(core::SourceToken token, core::TimePoint old_expires_at,
                                 Done<core::SourceToken> done) = 0;

  // A rejected request: recorded, never forwarded. (A forwarded one is recorded with its
  // message: MessageRouting::received.)
  virtual void RecordRejected(core::InboxRequest request, Done<core::InboxRequest> done) = 0;
  virtual Result<core::InboxRequest> GetInboxRequest(std::string_view source_id,
                                                     std::string_view id) = 0;
  virtual Result<Page<core::InboxRequest>> ListInboxRequests(std::string_view source_id,
                                                             const InboxRequestFilter& filter,
                                                             const PageRequest& page) = 0;
};

}  // namespace hookd::store
