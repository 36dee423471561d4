// The client commands of the hookd binary. Each Add* adds one subcommand to `root`; when it is
// the one parsed, it runs from its CLI11 callback and stores its exit code in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>

namespace hookd::cli {

void AddListen(CLI::App& root, std::optional<int>& exit_code);
void AddSend(CLI::App& root, std::optional<int>& exit_code);
void AddTail(CLI::App& root, std::optional<int>& exit_code);
void AddReplay(CLI::App& root, std::optional<int>& exit_code);
// Prints a bash or zsh completion script generated from `root` as it is when run.
void AddCompletion(CLI::App& root, std::optional<int>& exit_code);

}  // namespace hookd::cli
