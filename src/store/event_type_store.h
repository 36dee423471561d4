// Event types: one global catalogue, looked up by name.
#pragma once

#include <string>
#include <string_view>

#include "store/common.h"

namespace hookd::store {

class EventTypeStore {
 public:
  virtual ~EventTypeStore() = default;
  virtual Result<core::EventType> GetEventType(std::string_view name) = 0;
  virtual Result<Page<core::EventType>> ListEventTypes(const PageRequest& page,
                                                       bool include_archived) = 0;
  virtual void CreateEventType(core::EventType et, Idempotency idem,
                               Done<core::EventType> done) = 0;
  virtual void UpdateEventType(core::EventType et, Idempotency idem,
                               Done<core::EventType> done) = 0;
  virtual void DeleteEventType(std::string name, Done<void> done) = 0;  // hard delete
};

}  // namespace hookd::store
