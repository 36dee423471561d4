#include <limits>

#include "core/ids.h"
#include "core/time_format.h"
#include "store/task_store.h"

namespace hookd::store {
namespace {

constexpr std::pair<TaskKind, const char*> kKinds[] = {
    {TaskKind::kReplayMissing, "endpoint.replay"},
    {TaskKind::kBulkReplay, "endpoint.bulk-replay"},
    {TaskKind::kRecover, "endpoint.recover"},
    {TaskKind::kAppStats, "application.stats"}};
constexpr std::pair<TaskStatus, const char*> kStatuses[] = {{TaskStatus::kRunning, "running"},
                                                            {TaskStatus::kFinished, "finished"},
                                                            {TaskStatus::kFailed, "failed"}};

template <class E, size_t N>
const char* NameOf(const std::pair<E, const char*> (&table)[N], E value) {
  for (const auto& [v, name] : table)
    if (v == value) return name;
  return "";
}
template <class E, size_t N>
std::optional<E> Parse(const std::pair<E, const char*> (&table)[N], std::string_view name) {
  for (const auto& [v, n] : table)
    if (name == n) return v;
  return std::nullopt;
}

}  // namespace

const char* TaskKindName(TaskKind kind) { return NameOf(kKinds, kind); }
std::optional<TaskKind> ParseTaskKind(std::string_view name) { return Parse(kKinds, name); }
const char* TaskStatusName(TaskStatus status) { return NameOf(kStatuses, status); }
std::optional<TaskStatus> ParseTaskStatus(std::string_view name) { return Parse(kStatuses, name); }

TaskRange RangeOf(const BackgroundTask& task) {
  const auto& spec = task.spec;
  return {core::IdLowerBound("msg", spec.since), task.cursor.value_or(""),
          core::ToMicros(spec.since),
          spec.until ? core::ToMicros(*spec.until) : std::numeric_limits<int64_t>::max()};
}

}  // namespace hookd::store
