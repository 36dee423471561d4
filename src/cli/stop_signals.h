// Ctrl-C handling for the client commands: SIGINT and SIGTERM are blocked (call BlockStopSignals
// before any thread starts) and taken synchronously, so a command stops between steps, never in
// the middle of one.
#pragma once

#include <chrono>

namespace hookd::cli {

// Also ignores SIGPIPE (a peer that closed its connection is an error of that call only).
void BlockStopSignals();
// Waits up to `timeout` (forever when negative) for SIGINT or SIGTERM; true if one came (it is
// consumed).
bool WaitForStop(std::chrono::milliseconds timeout);
// True while SIGINT or SIGTERM is pending (not consumed).
bool StopRequested();

}  // namespace hookd::cli
