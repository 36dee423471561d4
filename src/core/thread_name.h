// Names the calling thread (shown by top -H, perf, gdb). Linux truncates names to 15 bytes.
#pragma once

#include <pthread.h>

namespace hookd::core {

inline void NameThisThread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace hookd::core
