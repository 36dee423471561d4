// Synchronous adapter over the asynchronous write API (CLI and tests only).
#pragma once

#include <future>

namespace hookd::store {

// `submit` is called with a Done<T>; returns its result once it fires.
template <class T, class F>
Result<T> Wait(F&& submit) {
  std::promise<Result<T>> promise;
  auto future = promise.get_future();
  submit([&promise](Result<T> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace hookd::store
