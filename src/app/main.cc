// hookd: webhook delivery server. See `hookd --help`.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "app/backup.h"
#include "app/commands.h"
#include "app/config.h"
#include "cli/commands.h"

namespace {

// Adds every config key as a --flag to `cmd`; values land in `flags`.
void AddConfigFlags(CLI::App* cmd, std::map<std::string, std::string>& flags,
                    std::optional<std::string>& config_file) {
  cmd->add_option_function<std::string>(
         "--config", [&config_file](const std::string& v) { config_file = v; },
         "TOML config file (env HOOKD_CONFIG)")
      ->type_name("FILE");
  for (const auto& key : hookd::app::ConfigKeys()) {
    std::string flag = "--" + key.name;
    for (auto& c : flag)
      if (c == '_') c = '-';
    hookd::app::Config defaults;
    std::string def = key.get(defaults);
    cmd->add_option_function<std::string>(
           flag, [&flags, name = key.name](const std::string& v) { flags[name] = v; },
           key.help + " [env " + key.env + (def.empty() ? "" : ", default " + def) + "]")
        ->type_name("VALUE");
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"hookd " HOOKD_VERSION
               ": durable, signed webhook delivery with a Svix-compatible API"};
  cli.set_version_flag("--version", HOOKD_VERSION);
  cli.set_help_flag();
  cli.set_help_all_flag("-h,--help", "Print this help, with every command and option, and exit");
  cli.require_subcommand(1);

  std::map<std::string, std::string> flags;
  std::optional<std::string> config_file;

  auto* serve = cli.add_subcommand("serve", "Run the server (HTTP API and delivery)");
  AddConfigFlags(serve, flags, config_file);

  auto* token = cli.add_subcommand("token", "Manage API tokens");
  token->require_subcommand(1);
  auto* create = token->add_subcommand("create", "Mint a token and print it on stdout");
  std::optional<std::string> app;
  std::string name = "cli";
  create->add_option_function<std::string>(
      "--app", [&app](const std::string& v) { app = v; },
      "scope the token to this application (id or uid); default: admin token");
  create->add_option("--name", name, "label stored with the token");
  AddConfigFlags(create, flags, config_file);

  auto* backup = cli.add_subcommand("backup", "Copy the SQLite store to DEST while hookd serves");
  std::string backup_dest;
  backup->add_option("DEST", backup_dest, "file to write (replaced atomically)")->required();
  AddConfigFlags(backup, flags, config_file);

  // The client commands run from their parse callbacks and set the exit code.
  std::optional<int> exit_code;
  hookd::cli::AddListen(cli, exit_code);
  hookd::cli::AddSend(cli, exit_code);
  hookd::cli::AddTail(cli, exit_code);
  hookd::cli::AddReplay(cli, exit_code);
  hookd::cli::AddCompletion(cli, exit_code);

  CLI11_PARSE(cli, argc, argv);
  if (exit_code) return *exit_code;

  hookd::app::Config config;
  try {
    if (!config_file) {
      if (const char* f = std::getenv("HOOKD_CONFIG")) config_file = f;
    }
    config =
        hookd::app::LoadConfig(config_file, flags, [](const char* n) { return std::getenv(n); });
    (void)config.ListenHostPort();
  } catch (const std::exception& e) {
    std::cerr << "hookd: configuration error: " << e.what() << "\n";
    return 2;
  }
  if (serve->parsed()) return hookd::app::RunServe(config);
  if (create->parsed()) return hookd::app::RunTokenCreate(config, app, name);
  if (backup->parsed()) return hookd::app::RunBackup(config, backup_dest);
  return 2;
}
