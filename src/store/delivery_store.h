// Delivery state: claims with leases, outcomes, manual control (resend, recover, kill) and the
// attempt history.
//
// Claims: a node claims due deliveries in batches; each claim is a lease (node, expiry; valid
// while now < expiry) that the node extends with RenewLeases while it works. Another node claims
// a delivery only once its lease has expired, so two nodes never send the same delivery while a
// lease is valid; a node that dies leaves leases that expire and any node takes the work over (at
// least once). An outcome is recorded under its claim and refused when another node holds the
// delivery.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/common.h"

namespace hookd::store {

// Position in the due order (due time, message, endpoint); claims resume after it.
struct DueCursor {
  core::TimePoint due{};
  std::string msg_id;
  std::string endpoint_id;
};

struct ClaimRequest {
  std::string node;             // the claiming node: unique per process run
  core::TimePoint now;          // claim deliveries due at or before this
  core::TimePoint lease_until;  // the claims' expiry (RenewLeases extends it)
  size_t limit = 1000;          // deliveries at most
  // Fairness: no endpoint and no app gets more than this many of the batch, so one tenant's
  // backlog cannot fill the claimant's window. An endpoint with a throttleRate that is not in
  // `endpoint_room` gets 1.
  size_t per_endpoint = 64;
  size_t per_app = 1000;
  // Tighter room for endpoints and apps the claimant already holds work of (0: none of theirs).
  std::unordered_map<std::string, size_t> endpoint_room;
  std::unordered_map<std::string, size_t> app_room;
  std::optional<DueCursor> after;  // resume a sweep of the due order after this position
  // False when the claimant was only woken: the deliveries this node's own commits just made
  // due are enough, and a backend that can hand them over skips the sweep. (Woken by another
  // node's commit, with nothing to hand over, it may read the head of the due order; `next` is
  // then `after`.)
  bool sweep = true;
};

struct ClaimBatch {
  // Claimed deliveries, each with its message, endpoint and app env. Deliveries that a commit
  // of this node just made due may come first; the rest follow the due order after `after`.
  std::vector<core::DueDelivery> claimed;
  // Where the sweep of the due order stopped (pass as `after` to go on); null when it reached
  // the end of what is due.
  std::optional<DueCursor> next;
  // Endpoints and apps whose due deliveries this claim passed over for want of room: they have
  // more due than they got.
  std::unordered_set<std::string> crowded_endpoints, crowded_apps;
};

// Filters for attempt history. Unset fields do not filter.
struct AttemptFilter {
  std::optional<std::string> msg_id;
  std::optional<std::string> endpoint_id;
  std::optional<core::DeliveryStatus> status;
  std::optional<int> status_code_class;  // 0 (no response), 100, 200, ... 500
  std::vector<std::string> event_types;
  std::optional<std::string> channel;
  std::optional<core::TimePoint> before;
  std::optional<core::TimePoint> after;
  bool with_reply = false;  // only attempts whose answer carried a reply (or a failed one)
};

// A delivery with the endpoint it goes to (per-message view) or the message (per-endpoint view).
struct DeliveryView {
  core::DeliveryStatus status = core::DeliveryStatus::kPending;
  std::optional<core::TimePoint> next_attempt_at;
  core::Endpoint endpoint;  // filled by ListMessageDestinations
  core::Message message;    // filled by ListEndpointMessages
};

struct DeliveryStats {
  int64_t success = 0, pending = 0, sending = 0, fail = 0, canceled = 0;
  // Counts `n` deliveries in `status`.
  void Add(core::DeliveryStatus status, int64_t n) {
    switch (status) {
      case core::DeliveryStatus::kSuccess:
        success += n;
        break;
      case core::DeliveryStatus::kPending:
        pending += n;
        break;
      case core::DeliveryStatus::kSending:
        sending += n;
        break;
      case core::DeliveryStatus::kFail:
        fail += n;
        break;
      case core::DeliveryStatus::kCanceled:
        canceled += n;
        break;
    }
  }
};

// What a renewal reports.
struct LeaseRenewal {
  int64_t held = 0;    // leases the node holds
  int live_nodes = 1;  // nodes that renewed within their lease, the caller included
};

struct KillResult {
  std::vector<std::string> killed;      // endpoint ids whose delivery was canceled
  std::vector<std::string> not_killed;  // already finished, or claimed under a valid lease
};

class DeliveryStore {
 public:
  virtual ~DeliveryStore() = default;

  // Called after a commit (of any node, where the backend can tell) made deliveries due: fan-out,
  // resend, recover. It only wakes the claimant, on a store thread, and must not block. Set
  // before Init().
  virtual void SetDueListener(std::function<void()> wake) = 0;
  // Claims due deliveries that no other node holds under a valid lease; see ClaimRequest. Runs
  // on a store thread (never the caller's) and reports there.
  virtual void ClaimDue(ClaimRequest request, Done<ClaimBatch> done) = 0;
  // Extends the unexpired leases `node` holds to `until` (an expired one may be another node's
  // by now) and records that `node` is alive until then; reports how many leases it holds and
  // how many nodes are alive at `now`. Claimants renew regularly even while holding nothing:
  // per-endpoint rates are shared among the live nodes.
  virtual void RenewLeases(std::string node, core::TimePoint now, core::TimePoint until,
                           Done<LeaseRenewal> done) = 0;
  // Gives claims back unattempted: due again at once, claimable by any node.
  virtual void ReleaseClaims(std::string node, std::vector<core::DeliveryKey> keys,
                             Done<void> done) = 0;
  // Records the attempt (if any) and applies `update` to the delivery, atomically, under the
  // claim of `update.node`. Fails with kLeaseLost (nothing written) when the claim on record,
  // valid or expired, is another node's. A delivery that no longer exists (message or endpoint
  // deleted) is not an error. The claim ends unless `update.keep_claim`.
  virtual void RecordOutcome(std::optional<core::Attempt> attempt, core::DeliveryUpdate update,
                             Done<void> done) = 0;
  // Makes one delivery due at `now` as a manual attempt, creating it if the message never went
  // to that endpoint. A claimed delivery is sent again after its current attempt.
  virtual void ResendDelivery(std::string app_id, std::string msg_id, std::string endpoint_id,
                              core::TimePoint now, Done<void> done) = 0;
  // Starts the recovery probes that are due: of each disabled endpoint whose probe time came
  // (FailurePolicy::auto_recover_secs), the oldest held delivery becomes due as a probe (trigger
  // kProbe). Returns how many. Outcomes of probes: see DeliveryUpdate::probe_ok.
  virtual void StartProbes(core::TimePoint now, Done<int64_t> done) = 0;
  // Cancels the deliveries of `msg` that are neither finished nor claimed under a valid lease
  // (under way, on whichever node), and says which were and were not; in the same commit, one
  // message.killed or message.not_killed per destination (core::KillEvent).
  virtual void KillDeliveries(core::Message msg, std::optional<std::string> app_uid,
                              core::TimePoint now, Done<KillResult> done) = 0;

  // Delivery history (all scoped to one app)
  virtual Result<Page<core::Attempt>> ListAttempts(std::string_view app_id,
                                                   const AttemptFilter& filter,
                                                   const PageRequest& page) = 0;
  virtual Result<core::Attempt> GetAttempt(std::string_view app_id, std::string_view msg_id,
                                           std::string_view attempt_id) = 0;
  // Replaces the attempt's response (and reply) with "EXPUNGED"; kNotFound when there is none.
  virtual void ExpungeAttemptContent(std::string app_id, std::string msg_id, std::string attempt_id,
                                     Done<void> done) = 0;
  virtual Result<Page<DeliveryView>> ListMessageDestinations(std::string_view app_id,
                                                             std::string_view msg_id,
                                                             const PageRequest& page) = 0;
  virtual Result<Page<DeliveryView>> ListEndpointMessages(std::string_view app_id,
                                                          std::string_view endpoint_id,
                                                          const AttemptFilter& filter,
                                                          const PageRequest& page) = 0;
  virtual Result<DeliveryStats> GetEndpointStats(std::string_view app_id,
                                                 std::string_view endpoint_id,
                                                 std::optional<core::TimePoint> since,
                                                 std::optional<core::TimePoint> until) = 0;
};

}  // namespace hookd::store
