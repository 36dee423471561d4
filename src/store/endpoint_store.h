// Endpoints of an application. Lookups by ref accept the id or the uid.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/common.h"

namespace hookd::store {

class EndpointStore {
 public:
  virtual ~EndpointStore() = default;
  virtual Result<core::Endpoint> GetEndpoint(std::string_view app_id, std::string_view ref) = 0;
  virtual Result<Page<core::Endpoint>> ListEndpoints(std::string_view app_id,
                                                     const PageRequest& page) = 0;
  // The endpoints `msg` would be fanned out to (the same rule CreateMessage applies).
  virtual Result<std::vector<core::Endpoint>> ListSubscribedEndpoints(const core::Message& msg) = 0;
  // Each write also stores `events`, the operational events about it, in its commit.
  virtual void CreateEndpoint(core::Endpoint ep, Idempotency idem,
                              std::vector<core::OpsEvent> events, Done<core::Endpoint> done) = 0;
  // Replaces by (app_id, id). `idem` covers POST-shaped updates such as secret rotation.
  // Enabling a disabled endpoint clears its failure record; an enabled endpoint holds nothing:
  // deliveries held while it was disabled become due (in message order).
  virtual void UpdateEndpoint(core::Endpoint ep, Idempotency idem,
                              std::vector<core::OpsEvent> events, Done<core::Endpoint> done) = 0;
  virtual void DeleteEndpoint(std::string app_id, std::string id,
                              std::vector<core::OpsEvent> events, Done<void> done) = 0;
};

}  // namespace hookd::store
