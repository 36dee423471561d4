#include "app/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace hookd::app {
namespace {

const char* NoEnv(const char*) { return nullptr; }

TEST(Config, Defaults) {
  auto c = LoadConfig(std::nullopt, {}, NoEnv);
  EXPECT_EQ(c.listen, "127.0.0.1:8071");
  EXPECT_EQ(c.max_body_bytes, 1 << 20);
  auto [host, port] = c.ListenHostPort();
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8071);
}

TEST(Config, FlagsBeatEnvBeatFile) {
  auto path = std::filesystem::temp_directory_path() / "hookd-config-test.toml";
  std::ofstream(path) << "listen = \"127.0.0.1:1000\"\nmax_body_bytes = 2048\n"
                         "io_threads = 3\nallowed_networks = [\"127.0.0.0/8\", \"::1/128\"]\n";
  auto env = [](const char* name) -> const char* {
    if (std::string(name) == "HOOKD_MAX_BODY_BYTES") return "4096";
    if (std::string(name) == "HOOKD_IO_THREADS") return "2";
    return nullptr;
  };
  auto c = LoadConfig(path.string(), {{"io_threads", "4"}}, env);
  EXPECT_EQ(c.listen, "127.0.0.1:1000");  // file
  EXPECT_EQ(c.max_body_bytes, 4096);      // env over file
  EXPECT_EQ(c.io_threads, 4);             // flag over env
  EXPECT_EQ(c.allowed_networks, (std::vector<std::string>{"127.0.0.0/8", "::1/128"}));
  std::filesystem::remove(path);
}

TEST(Config, RejectsBadValuesNamingTheKey) {
  auto bad = [](std::map<std::string, std::string> flags) -> std::string {
    try {
      LoadConfig(std::nullopt, flags, NoEnv);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(bad({{"max_body_bytes", "abc"}}).find("max_body_bytes"), std::string::npos);
  EXPECT_NE(bad({{"listen", "nonsense"}}).find("listen"), std::string::npos);
  EXPECT_NE(bad({{"allowed_networks", "10.0.0.0/33"}}).find("allowed_networks"), std::string::npos);
  EXPECT_NE(bad({{"log_level", "loud"}}).find("log_level"), std::string::npos);
}

TEST(Config, EveryKeyHasAnEnvironmentVariable) {
  for (const auto& key : ConfigKeys()) {
    EXPECT_TRUE(key.env.starts_with("HOOKD_")) << key.name;
  }
}

// packaging/hookd.toml (installed as /etc/hookd/hookd.toml) sets every key, each to its built-in
// default except the store, which it puts in the service's state directory.
TEST(Config, PackagedConfigListsEveryKeyWithItsDefault) {
  std::string path = HOOKD_SOURCE_DIR "/packaging/hookd.toml";
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto c = LoadConfig(path, {}, NoEnv);
  Config defaults;
  for (const auto& key : ConfigKeys()) {
    EXPECT_NE(text.find("\n" + key.name + " = "), std::string::npos) << key.name << " missing";
    if (key.name != "store") {
      EXPECT_EQ(key.get(c), key.get(defaults)) << key.name;
    }
  }
  EXPECT_EQ(c.store, "sqlite:///var/lib/hookd/hookd.db");
}

TEST(Config, FileTakesBooleans) {
  auto path = std::filesystem::temp_directory_path() / "hookd-config-bool-test.toml";
  std::ofstream(path) << "svix_headers = true\ndisable_on_gone = false\n";
  auto c = LoadConfig(path.string(), {}, NoEnv);
  EXPECT_TRUE(c.svix_headers);
  EXPECT_FALSE(c.disable_on_gone);
  std::filesystem::remove(path);
}

TEST(Config, Cidr) {
  EXPECT_TRUE(IsCidr("127.0.0.0/8"));
  EXPECT_TRUE(IsCidr("::1/128"));
  EXPECT_FALSE(IsCidr("127.0.0.1"));
  EXPECT_FALSE(IsCidr("127.0.0.0/"));
  EXPECT_FALSE(IsCidr("::1/129"));
  EXPECT_FALSE(IsCidr("host/8"));
}

}  // namespace
}  // namespace hookd::app
