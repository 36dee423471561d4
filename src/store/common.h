// What every aggregate interface of the store shares: asynchronous write completions and
// idempotency records carried by writes.
#pragma once

#include <functional>
#include <optional>

#include "core/error.h"
#include "core/types.h"
#include "store/paging.h"

namespace hookd::store {

using core::Result;
using core::Status;

// Runs exactly once, on a store thread, after the write is durable (or has failed); must not
// block.
template <class T>
using Done = std::function<void(Result<T>)>;
// Stored atomically with a write's effect; see Store.
using Idempotency = std::optional<core::IdempotencyRecord>;

}  // namespace hookd::store
