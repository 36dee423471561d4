// CLI commands. Each returns the process exit code.
#pragma once

#include <optional>
#include <string>

#include "app/config.h"

namespace hookd::app {

// Runs the server until SIGINT/SIGTERM. Prints "listening on HOST:PORT" once ready.
int RunServe(const Config& config);

// Mints an API token (admin, or scoped to one app) and prints it alone on stdout.
int RunTokenCreate(const Config& config, const std::optional<std::string>& app,
                   const std::string& name);

}  // namespace hookd::app
