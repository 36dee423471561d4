#include "store/completion_check.h"

#include <algorithm>
#include <set>

#include "core/ids.h"
#include "core/ops_events.h"

namespace hookd::store {

Result<int64_t> RunCompletionCheck(CompletionTxn& txn, core::TimePoint now, size_t limit,
                                   const core::Clock& clock) {
  auto queued = txn.TakeQueued(limit);
  if (!queued) return std::unexpected(queued.error());
  if (queued->empty()) return 0;

  std::set<std::string> msg_ids;
  std::set<BatchKey> batch_keys;
  for (const auto& q : *queued) {
    if (q.msg_id) {
      msg_ids.insert(*q.msg_id);
    } else if (q.batch_id) {
      batch_keys.insert({q.app_id, *q.batch_id});
    }
  }
  auto progress = txn.ReadProgress({msg_ids.begin(), msg_ids.end()});
  if (!progress) return std::unexpected(progress.error());

  std::optional<bool> listen;  // read once, when a message completes
  std::vector<core::MessageCompletion> completions;
  std::vector<core::OpsEvent> events;
  std::map<BatchKey, core::Batch> deltas;  // counts to add
  for (const auto& p : *progress) {
    if (!std::all_of(p.destinations.begin(), p.destinations.end(), core::IsFinal)) continue;
    core::MessageCompletion c{
        p.message.id, p.message.app_id, p.message.batch_id, core::StatusOf(p.destinations),
        now,          p.destinations};
    if (!listen) {
      auto l = txn.OpsListen(core::ops::kMessageCompleted);
      if (!l) return std::unexpected(l.error());
      listen = *l;
    }
    if (*listen || p.message.completion_endpoint) {
      events.push_back(
          core::MessageCompletedEvent(p.app_uid, p.message, c, core::NewId("msg", clock)));
    }
    if (p.message.batch_id) {
      BatchKey key{p.message.app_id, *p.message.batch_id};
      batch_keys.insert(key);
      auto& d = deltas[key];
      (c.status == core::CompletionStatus::kSucceeded ? d.succeeded
       : c.status == core::CompletionStatus::kFailed  ? d.failed
                                                      : d.killed) += 1;
    }
    completions.push_back(std::move(c));
  }
  if (!completions.empty()) {
    if (auto s = txn.RecordCompletions(completions); !s) return std::unexpected(s.error());
  }

  if (!batch_keys.empty()) {
    auto batches = txn.ReadBatches({batch_keys.begin(), batch_keys.end()});
    if (!batches) return std::unexpected(batches.error());
    std::vector<core::Batch> changed;
    for (auto& [b, app_uid] : *batches) {
      auto delta = deltas.find({b.app_id, b.id});
      if (delta != deltas.end()) {
        b.succeeded += delta->second.succeeded;
        b.failed += delta->second.failed;
        b.killed += delta->second.killed;
      }
      bool completes = !b.completed_at && b.expected && b.completed() >= *b.expected;
      if (completes) {
        b.completed_at = now;
        events.push_back(core::BatchCompletedEvent(app_uid, b, core::NewId("msg", clock)));
      }
      if (completes || delta != deltas.end()) changed.push_back(std::move(b));
    }
    if (!changed.empty()) {
      if (auto s = txn.SaveBatches(changed); !s) return std::unexpected(s.error());
    }
  }
  if (!events.empty()) {
    if (auto s = txn.InsertEvents(std::move(events), now); !s) return std::unexpected(s.error());
  }
  return static_cast<int64_t>(queued->size());
}

}  // namespace hookd::store
